"""Featured pictures of imported posts that wait for a description before they can be
the article's hero image (a hero needs one: ``article_hero_image_has_alt``)."""

from pathlib import PurePath

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from articles.models import Article
from articles.revisions import record_revision


def hero_copy(image):
    """A copy of library ``image``'s stored picture, to assign to a hero image field
    (which makes its own renditions); raises ``OSError`` if the file cannot be read."""
    with image.file.storage.open(image.file.name, "rb") as stored:
        return ContentFile(stored.read(), name="featured" + PurePath(image.file.name).suffix)


def use_featured_image(record, *, alt, user):
    """Make the featured picture ``record`` waits with the hero image of its article,
    described by ``alt``; recorded as a revision by ``user`` and in the article's
    history. Returns the article."""
    image = record.waiting_hero
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=record.article_id)
        article.hero_image = hero_copy(image)
        article.hero_alt = alt
        article.save()
        message = _("Hero image: the featured image imported from WordPress.")
        record_revision(article, user=user, comment=message)
        LogEntry.objects.log_actions(user.pk, [article], CHANGE, message)
        record.waiting_hero = None
        record.save(update_fields=["waiting_hero"])
    return article
