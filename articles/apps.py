from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from .renditions import delete_files_of_deleted_article

        # A signal rather than Article.delete(): bulk deletes (admin action,
        # queryset.delete()) do not call delete() but do send post_delete.
        post_delete.connect(
            delete_files_of_deleted_article,
            sender=self.get_model("Article"),
            dispatch_uid="articles.delete_hero_files",
        )

        from . import signals

        signals.connect()
