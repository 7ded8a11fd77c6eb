"""How far an import started in the admin has got, told through Django's cache.

The importer writes everything in one transaction, so the rows it writes show
nothing until the end; the cache is read by the status page meanwhile. With Redis
the figures show at once; with the database cache they are written inside the
import's transaction too, and show only when it ends (README, "Importing from the
admin").
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .importer import STAGES

# Kept a day at most: an import that stops without saying so leaves no figures behind.
SECONDS = 24 * 3600
STAGE_LABELS = {
    "reading": _("Reading the file"),
    "topics": _("Categories and tags"),
    "posts": _("Posts"),
    "pages": _("Pages"),
    "comments": _("Comments"),
    "addresses": _("Old addresses"),
}


@dataclass
class Progress:
    stage: str
    done: int
    total: int | None

    @property
    def label(self):
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def percent(self):
        """How much of the whole import is done, 0 to 100: each stage an equal part."""
        if self.stage not in STAGES:
            return 0
        part = self.done / self.total if self.total else 0
        return round(100 * (STAGES.index(self.stage) + part) / len(STAGES))


def key(run_id):
    return f"wordpress:import-progress:{run_id}"


def publish(run_id, stage, done, total):
    """Record that the import of run ``run_id`` is at ``done`` of ``total`` in
    ``stage`` (the importer's ``progress`` callback, with the run's id first)."""
    cache.set(key(run_id), {"stage": stage, "done": done, "total": total}, timeout=SECONDS)


def read(run_id):
    """The last figures published for run ``run_id``, or None before the first."""
    data = cache.get(key(run_id))
    return Progress(**data) if data else None


def forget(run_id):
    cache.delete(key(run_id))
