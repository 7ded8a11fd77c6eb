from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DigestWeek(models.Model):
    """An ISO week whose editors' digest went out.

    One row per week, unique: when several servers run the weekly cron job, the first
    to insert the row sends the digest and the others find it and send nothing.
    """

    week_start = models.DateField(
        _("week starting"), unique=True, help_text=_("The Monday of the ISO week.")
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("editors' digest")
        verbose_name_plural = _("editors' digests")

    def __str__(self):
        return f"Editors' digest, week of {self.week_start:%Y-%m-%d}"
