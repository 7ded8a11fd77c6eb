""" "Was this article helpful?": storing a reader's answer, its flood limit, and the
counts per article that the admin and the editors' dashboard show."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, FloatField, Q
from django.db.models.functions import Cast, NullIf
from django.utils.crypto import salted_hmac

from .models import ArticleFeedback

FLOOD_SALT = "articles.feedback.flood"


def flood_key(ip_address):
    """The cache key of this address's feedback slot: a keyed digest, so that the
    cache holds no address."""
    digest = salted_hmac(FLOOD_SALT, ip_address, algorithm="sha256").hexdigest()
    return f"articles:feedback-flood:{digest}"


def is_flooding(ip_address, now=None):
    """Claim this address's feedback slot; True if it already sent feedback within
    ARTICLE_FEEDBACK_FLOOD_SECONDS.

    In the shared cache (Redis, or the database cache without it), so every process
    and server agrees; ``add`` lets only one of two simultaneous answers take a free
    slot. The slot holds its end time, checked on our clock too: a cache whose clock
    lags (Redis's own) cannot hold a client back longer than the window.
    """
    seconds = settings.ARTICLE_FEEDBACK_FLOOD_SECONDS
    if not seconds or not ip_address:
        return False
    now = time.time() if now is None else now
    key = flood_key(ip_address)
    if cache.add(key, now + seconds, timeout=seconds):
        return False
    held_until = cache.get(key)
    if held_until is not None and held_until > now:
        return True
    cache.set(key, now + seconds, timeout=seconds)
    return False


def record_feedback(*, article, form):
    """Store a valid ArticleFeedbackForm's answer for ``article``; return the row."""
    return ArticleFeedback.objects.create(
        article=article,
        is_helpful=form.cleaned_data["helpful"],
        note=form.cleaned_data["note"],
    )


def with_feedback_counts(articles, since=None):
    """``articles`` with ``helpful_count``, ``unhelpful_count``, ``feedback_count``,
    ``note_count`` and ``helpful_share`` (0 to 1, None without feedback) over the
    feedback received since ``since`` (all of it when None)."""
    received = Q(feedback__created_at__gte=since) if since else Q()
    annotated = articles.annotate(
        helpful_count=Count("feedback", filter=received & Q(feedback__is_helpful=True)),
        unhelpful_count=Count("feedback", filter=received & Q(feedback__is_helpful=False)),
        feedback_count=Count("feedback", filter=received),
        note_count=Count("feedback", filter=received & ~Q(feedback__note="")),
    )
    return annotated.annotate(
        helpful_share=Cast("helpful_count", FloatField())
        / NullIf(Cast(F("feedback_count"), FloatField()), 0.0)
    )
