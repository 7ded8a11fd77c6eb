"""Background tasks (django-tasks): run by `manage.py db_worker` in production.

An export uploaded in the admin (``ImportRun``, queued by wordpress/runs.py) is first
checked by a dry run, then imported when a superuser presses "Import now". The run's
state is changed outside the import's transaction, so the status page sees it at
once; the figures in between go through the cache (wordpress/progress.py).
"""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core import audit

from . import progress
from .importer import import_file
from .models import ImportRun
from .wxr import WXRError

logger = logging.getLogger(__name__)
State = ImportRun.State


@task()
def check_export(run_id):
    """The dry run of an uploaded export: its report, or why the file cannot be read."""
    run = ImportRun.objects.filter(pk=run_id, state=State.CHECKING).first()
    if run is None:  # cancelled before the worker came to it
        return None
    try:
        report = import_file(
            run.path,
            dry_run=True,
            skip_bad_items=run.skip_bad_items,
            media_dir=run.media_dir,
            progress=partial(progress.publish, run.pk),
        )
    except (WXRError, OSError) as error:
        fail(run, error)
        return run.state
    except Exception as error:
        fail(run, error)
        raise
    if not run.move_to(State.CHECKED, dry_run_report=report.as_json()):
        # Cancelled during the dry run: the cancel deleted the file already.
        return None
    return run.state


@task()
def import_checked_export(run_id):
    """The import of an export whose dry run a superuser has read."""
    run = ImportRun.objects.filter(pk=run_id, state=State.IMPORTING).first()
    if run is None:
        return None
    progress.forget(run.pk)
    try:
        # The run's "done", its report and the audit line commit with the rows.
        with transaction.atomic():
            report = import_file(
                run.path,
                skip_bad_items=run.skip_bad_items,
                media_dir=run.media_dir,
                progress=partial(progress.publish, run.pk),
            )
            run.move_to(State.DONE, report=report.as_json(), finished_at=timezone.now())
            audit.record(
                run.imported_by, audit.Action.WORDPRESS_IMPORTED, run, detail=summary(report)
            )
    except (WXRError, OSError) as error:
        fail(run, error)
    except Exception as error:
        fail(run, error)
        raise
    finally:
        run.delete_upload()
    return run.state


def fail(run, error):
    """Mark ``run`` failed with a message for the status page, and delete its file."""
    if isinstance(error, WXRError):
        message = str(error)
    elif isinstance(error, OSError):
        message = _("The uploaded file could not be read: %(error)s") % {
            "error": error.strerror or error
        }
    else:
        logger.exception("WordPress import %s stopped", run.pk)
        message = _(
            "The import stopped with an unexpected error; nothing was written. "
            "The server's log has the details."
        )
    run.move_to(State.FAILED, error=message, finished_at=timezone.now())
    run.delete_upload()


def summary(report):
    """One line for the audit log: what was created and updated, per kind."""
    parts = [
        _("%(kind)s: %(created)s created, %(updated)s updated")
        % {"kind": _(kind), "created": tally.created, "updated": tally.updated}
        for kind, tally in report.tallies.items()
    ]
    return "; ".join(parts)
