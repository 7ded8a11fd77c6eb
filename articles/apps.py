from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from .renditions import delete_files_of_deleted_row

        # A signal rather than delete(): bulk deletes (admin action, queryset.delete())
        # do not call delete() but do send post_delete.
        for model_name in ("Article", "LibraryImage"):
            post_delete.connect(
                delete_files_of_deleted_row,
                sender=self.get_model(model_name),
                dispatch_uid=f"articles.delete_picture_files.{model_name}",
            )

        from . import signals

        signals.connect()
