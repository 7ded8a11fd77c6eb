"""Keep what is derived from articles current when they change.

Signals rather than save() overrides: bulk deletes, the admin's inlines and the
topics many-to-many table all send them, whichever code path writes the rows.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from core import caching

from .models import FAQ, Article, Reviewer, SearchSynonym, Section, Topic
from .search import SYNONYMS

# Set while writes are made only to be rolled back (the admin's restore page writes
# a revision into the rows to build its form, then undoes it): nothing changed.
_writes_undone = ContextVar("articles_writes_undone", default=False)


@contextmanager
def writes_undone():
    """Within this block, article writes are rolled back afterwards: leave the caches
    and stored copies alone. For this thread (or task) only."""
    token = _writes_undone.set(True)
    try:
        yield
    finally:
        _writes_undone.reset(token)


def content_changed(sender, **kwargs):
    if not _writes_undone.get():
        caching.bump(caching.CONTENT)


def synonyms_changed(sender, **kwargs):
    # Searches read the groups from the cache under this generation: a new one makes
    # every process read the table again at its next search.
    caching.bump(SYNONYMS)


def article_topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or _writes_undone.get():
        return
    if reverse:
        # topic.articles.add(...): ``instance`` is the topic. After a clear, pk_set is
        # None: the articles were remembered before it.
        ids = pk_set if pk_set is not None else instance._articles_before_clear
        articles = Article.objects.filter(pk__in=ids)
    else:
        articles = [instance]
    for article in articles:
        article.refresh_topic_rows()
    caching.bump(caching.CONTENT)


def remember_articles_before_clear(sender, instance, action, reverse, **kwargs):
    if action == "pre_clear" and reverse:
        instance._articles_before_clear = list(instance.articles.values_list("pk", flat=True))


def topic_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        for article in instance.articles.all():
            article.refresh_topic_rows()


def remember_articles_of_topic(sender, instance, **kwargs):
    # Deleting a topic deletes its links without an m2m_changed signal.
    instance._articles_before_delete = list(instance.articles.all())


def topic_deleted(sender, instance, **kwargs):
    for article in getattr(instance, "_articles_before_delete", []):
        article.refresh_topic_rows()


def connect():
    # A reviewer's name, credentials and page show on the pages of their articles.
    for model in (Article, Section, FAQ, Topic, Reviewer):
        uid = f"articles.caching.{model._meta.model_name}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}.delete")
    post_save.connect(synonyms_changed, sender=SearchSynonym, dispatch_uid="articles.synonyms.save")
    post_delete.connect(
        synonyms_changed, sender=SearchSynonym, dispatch_uid="articles.synonyms.delete"
    )
    through = Article.topics.through
    m2m_changed.connect(
        remember_articles_before_clear, sender=through, dispatch_uid="articles.topics.pre"
    )
    m2m_changed.connect(article_topics_changed, sender=through, dispatch_uid="articles.topics")
    post_save.connect(topic_saved, sender=Topic, dispatch_uid="articles.topic.save")
    pre_delete.connect(remember_articles_of_topic, sender=Topic, dispatch_uid="articles.topic.pre")
    post_delete.connect(topic_deleted, sender=Topic, dispatch_uid="articles.topic.delete")
