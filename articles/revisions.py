"""Revisions of articles: recording one, reading one back, comparing two.

django-reversion stores each save of an article (through the admin or the importer)
as one revision: the article's row, its topics among its fields, and the rows of its
sections and FAQs (the registration is on the models). Here a revision, or the
article as it is now, is read as ``ArticleContent`` (what an editor writes, not what
is derived from it), and two of them are compared word by word for people: per
field, per section (matched by anchor, else by id) and per FAQ (by id).
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import FAQ, Article, Section

# Words, punctuation and the white space between them as separate tokens: the
# difference is made of whole words, and the text keeps its spacing and line breaks.
TOKENS = re.compile(r"\s+|\w+(?:['’-]\w+)*|[^\w\s]")
# Unchanged text longer than this many tokens (about half as many words) is shown
# only around the changes, the rest as an ellipsis.
CONTEXT_TOKENS = 24


def record_revision(article, *, user=None, comment=""):
    """Store ``article`` as it is now, with its sections, FAQs and topics, as one
    revision by ``user`` (None for a command) with ``comment``."""
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        add_article_to_revision(article)


def add_article_to_revision(article):
    """Put the article and all its sections and FAQs, as they are now, in the
    revision being recorded (one is open)."""
    # Explicitly, each one: a row saved earlier in the same request was stored as it
    # was then; and unchanged sections must be in the revision too, or restoring it
    # would leave out the sections nobody touched.
    reversion.add_to_revision(article)
    for child in [*article.sections.all(), *article.faqs.all()]:
        reversion.add_to_revision(child)


def revision_comment(*parts):
    """The revision's comment: the editor's note and what changed, one per line."""
    return "\n".join(str(part).strip() for part in parts if part and str(part).strip())


def content_fields(model):
    """The fields of ``model`` an editor writes (the ones compared), in model order."""
    return [
        model_field
        for model_field in [*model._meta.fields, *model._meta.many_to_many]
        if model_field.editable
        and not model_field.primary_key
        and not (model_field.is_relation and model_field.related_model is Article)
    ]


def _plain(model_field, value):
    """A field's value in a form two of them compare equal when they mean the same."""
    if isinstance(model_field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(model_field, models.ManyToManyField):
        return sorted(getattr(item, "pk", item) for item in value or [])
    return value


def _row(instance_or_dict, model):
    """{attname: plain value} of the content fields of a model instance or field dict."""
    row = {}
    for model_field in content_fields(model):
        if isinstance(instance_or_dict, dict):
            value = instance_or_dict.get(model_field.attname)
        elif model_field.many_to_many:
            value = list(getattr(instance_or_dict, model_field.name).all())
        else:
            value = getattr(instance_or_dict, model_field.attname)
        row[model_field.attname] = _plain(model_field, value)
    return row


@dataclass
class ArticleContent:
    """What an editor wrote of one article: its fields, and its sections and FAQs by id."""

    fields: dict
    sections: dict = field(default_factory=dict)
    faqs: dict = field(default_factory=dict)

    @classmethod
    def from_article(cls, article):
        """The article as stored now."""
        return cls(
            fields=_row(article, Article),
            sections={s.pk: _row(s, Section) for s in Section.objects.filter(article=article)},
            faqs={f.pk: _row(f, FAQ) for f in FAQ.objects.filter(article=article)},
        )

    @classmethod
    def from_revision(cls, revision):
        """The article as ``revision`` stored it."""
        content = cls(fields={})
        for version in revision.version_set.select_related("content_type"):
            model = version.content_type.model_class()
            if model is Article:
                content.fields = _row(version.field_dict, Article)
            elif model is Section:
                content.sections[int(version.object_id)] = _row(version.field_dict, Section)
            elif model is FAQ:
                content.faqs[int(version.object_id)] = _row(version.field_dict, FAQ)
        return content


# --- the difference between two ----------------------------------------------------


@dataclass
class FieldChange:
    """One field that differs: its label and the words removed, added and kept."""

    label: str
    segments: list


@dataclass
class ChildChange:
    """A section or an FAQ that was added, removed, moved or changed."""

    title: str
    added: bool = False
    removed: bool = False
    moved: bool = False
    old_position: int | None = None
    new_position: int | None = None
    fields: list = field(default_factory=list)

    @property
    def kind(self):
        if self.added:
            return _("added")
        if self.removed:
            return _("removed")
        if self.moved and self.fields:
            return _("moved and changed")
        return _("moved") if self.moved else _("changed")


@dataclass
class Comparison:
    """The difference between an older and a newer ArticleContent."""

    fields: list
    sections: list
    faqs: list
    unchanged_sections: int
    unchanged_faqs: int

    @property
    def has_changes(self):
        return bool(self.fields or self.sections or self.faqs)


def word_segments(old, new):
    """[(kind, text)] turning ``old`` into ``new`` word by word; kind is "same",
    "removed", "added" or "gap" (unchanged text left out)."""
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    # [kind, old tokens, new tokens]; changes separated by nothing but a space are
    # one change ("one tablet" became "two tablets", not four changes).
    runs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_tokens, new_tokens = before[i1:i2], after[j1:j2]
        if tag == "equal":
            runs.append(["same", old_tokens, new_tokens])
        elif runs and runs[-1][0] == "change":
            runs[-1][1] += old_tokens
            runs[-1][2] += new_tokens
        elif len(runs) > 1 and "".join(runs[-1][1]).isspace() and runs[-2][0] == "change":
            space = runs.pop()[1]
            runs[-1][1] += space + old_tokens
            runs[-1][2] += space + new_tokens
        else:
            runs.append(["change", old_tokens, new_tokens])
    segments = []
    for index, (kind, old_tokens, new_tokens) in enumerate(runs):
        if kind == "same":
            segments.extend(_kept(old_tokens, first=index == 0, last=index == len(runs) - 1))
        elif not (old_tokens and new_tokens):
            segments.extend(_one_sided(old_tokens, new_tokens))
        else:
            segments += [("removed", "".join(old_tokens)), ("added", "".join(new_tokens))]
    return segments


def _one_sided(old_tokens, new_tokens):
    """A pure removal or addition, its white space at either end left unmarked."""
    kind, tokens = ("removed", old_tokens) if old_tokens else ("added", new_tokens)
    start, end = 0, len(tokens)
    while start < end and tokens[start].isspace():
        start += 1
    while end > start and tokens[end - 1].isspace():
        end -= 1
    segments = [("same", "".join(tokens[:start]))] if start else []
    if end > start:
        segments.append((kind, "".join(tokens[start:end])))
    if end < len(tokens):
        segments.append(("same", "".join(tokens[end:])))
    return segments


def _kept(tokens, *, first, last):
    """Unchanged tokens, shortened to the words next to a change."""
    head = 0 if first else CONTEXT_TOKENS
    tail = 0 if last else CONTEXT_TOKENS
    if len(tokens) <= head + tail + CONTEXT_TOKENS:
        return [("same", "".join(tokens))]
    kept = []
    if head:
        kept.append(("same", "".join(tokens[:head])))
    kept.append(("gap", "…"))
    if tail:
        kept.append(("same", "".join(tokens[-tail:])))
    return kept


def display_value(model_field, value):
    """A stored value as an editor reads it."""
    if value in (None, "", []):
        return ""
    if model_field.many_to_many:
        related = model_field.related_model._default_manager.filter(pk__in=value)
        names = {item.pk: str(item) for item in related}
        return ", ".join(names.get(pk, _("(deleted, #%(id)s)") % {"id": pk}) for pk in value)
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else _("(deleted, #%(id)s)") % {"id": value}
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def field_changes(model, old, new, *, skip=()):
    """FieldChange for each content field of ``model`` that differs between the
    rows ``old`` and ``new`` (either may be empty: all added or all removed)."""
    changes = []
    for model_field in content_fields(model):
        name = model_field.attname
        if name in skip or old.get(name) == new.get(name):
            continue
        before = display_value(model_field, old.get(name)) if old else ""
        after = display_value(model_field, new.get(name)) if new else ""
        changes.append(FieldChange(str(model_field.verbose_name), word_segments(before, after)))
    return changes


def compare_children(model, old_rows, new_rows, *, title, match_by=None):
    """ChildChanges between two {pk: row} of sections or FAQs, and how many are
    unchanged. Rows are matched by ``match_by`` (the anchor of sections, which stays
    when a heading changes and which the importer keeps) and then by id."""
    pairs, unmatched_new = [], dict(new_rows)
    unmatched_old = dict(old_rows)
    if match_by:
        by_key = {row[match_by]: pk for pk, row in unmatched_new.items()}
        for old_pk, row in list(unmatched_old.items()):
            new_pk = by_key.get(row[match_by])
            if new_pk in unmatched_new:
                pairs.append((old_pk, new_pk))
                del unmatched_old[old_pk], unmatched_new[new_pk]
    for old_pk in list(unmatched_old):
        if old_pk in unmatched_new:
            pairs.append((old_pk, old_pk))
            del unmatched_old[old_pk], unmatched_new[old_pk]

    kept_order = _kept_in_order(pairs, old_rows, new_rows)
    changes, unchanged = [], 0
    for old_pk, new_pk in pairs:
        old, new = old_rows[old_pk], new_rows[new_pk]
        change = ChildChange(
            title=new[title],
            moved=(old_pk, new_pk) not in kept_order,
            old_position=old["position"],
            new_position=new["position"],
            fields=field_changes(model, old, new, skip={"position"}),
        )
        if change.moved or change.fields:
            changes.append(change)
        else:
            unchanged += 1
    for row in unmatched_new.values():
        changes.append(
            ChildChange(
                title=row[title],
                added=True,
                new_position=row["position"],
                fields=field_changes(model, {}, row, skip={"position"}),
            )
        )
    for row in unmatched_old.values():
        changes.append(
            ChildChange(
                title=row[title],
                removed=True,
                old_position=row["position"],
                fields=field_changes(model, row, {}, skip={"position"}),
            )
        )
    changes.sort(key=lambda c: (c.new_position or c.old_position or 0, c.removed))
    return changes, unchanged


def _kept_in_order(pairs, old_rows, new_rows):
    """The matched (old pk, new pk) pairs that did not move: the largest set keeping
    their order, preferring rows that stayed at their position number. Inserting a
    row shifts the positions of those after it without moving them."""
    ordered = sorted(pairs, key=lambda pair: old_rows[pair[0]]["position"])
    new_positions = [new_rows[new_pk]["position"] for _old_pk, new_pk in ordered]
    # Each row counts the same, less a little for each place it shifted: more rows
    # always outweigh fewer.
    weights = [
        len(pairs)
        + 1
        - abs(old_rows[old_pk]["position"] - new_rows[new_pk]["position"])
        / (len(pairs) + max(new_positions + [1]))
        for old_pk, new_pk in ordered
    ]
    best, previous = [], []
    for index, position in enumerate(new_positions):
        before = [j for j in range(index) if new_positions[j] < position]
        link = max(before, key=lambda j: best[j], default=None)
        best.append(weights[index] + (best[link] if link is not None else 0))
        previous.append(link)
    kept, index = set(), max(range(len(best)), key=best.__getitem__, default=None)
    while index is not None:
        kept.add(ordered[index])
        index = previous[index]
    return kept


def compare(old, new):
    """The Comparison of two ArticleContents, ``old`` the earlier."""
    sections, unchanged_sections = compare_children(
        Section, old.sections, new.sections, title="heading", match_by="anchor"
    )
    faqs, unchanged_faqs = compare_children(FAQ, old.faqs, new.faqs, title="question")
    return Comparison(
        fields=field_changes(Article, old.fields, new.fields),
        sections=sections,
        faqs=faqs,
        unchanged_sections=unchanged_sections,
        unchanged_faqs=unchanged_faqs,
    )


def compare_revisions(older, newer):
    """The Comparison of two revisions of one article."""
    return compare(ArticleContent.from_revision(older), ArticleContent.from_revision(newer))
