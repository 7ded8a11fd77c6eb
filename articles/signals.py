"""Drop cached pages when content changes (articles/page_cache.py).

Signals rather than save() overrides: bulk deletes, the admin's inlines and the
topics many-to-many table all send them, whichever code path writes the rows.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import page_cache
from .models import FAQ, Article, Section, SiteSettings, Topic


def content_changed(sender, **kwargs):
    page_cache.content_changed()


def topics_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        page_cache.content_changed()


def connect():
    for model in (Article, Section, FAQ, Topic, SiteSettings):
        uid = f"articles.page_cache.{model._meta.model_name}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(
        topics_changed, sender=Article.topics.through, dispatch_uid="articles.page_cache.topics"
    )
