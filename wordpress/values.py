"""Small rules for what an export record's values become in a row, shared by the
import of posts, pages, topics, pictures and comments: a fingerprint of the record, its
HTML as plain text, its date made aware, and text clipped to fit a column."""

import hashlib
import html
import json
from dataclasses import asdict, fields, is_dataclass

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator


def fingerprint(record, *, leave_out=("line", "comments")):
    """A hash of what a record of the export says (not where it stands in the file)."""
    data = {f.name: getattr(record, f.name) for f in fields(record) if f.name not in leave_out}
    text = json.dumps(
        data,
        sort_keys=True,
        default=lambda value: asdict(value) if is_dataclass(value) else str(value),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def plain(html_text):
    """HTML (a comment, an excerpt) as plain text, entities decoded."""
    return html.unescape(strip_tags(html_text)).strip()


def aware(date, date_gmt):
    """The GMT date, else the local wall-clock date in the site's time zone."""
    if date_gmt is not None:
        return date_gmt
    if date is not None:
        return timezone.make_aware(date) if timezone.is_naive(date) else date
    return None


def clip(text, model, name):
    """``text`` cut to fit the column ``name`` of ``model``."""
    return Truncator(text).chars(model._meta.get_field(name).max_length)
