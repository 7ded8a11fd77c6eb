"""Imports started from the admin: upload, "Import now", cancel, and the clean-up of
uploads left behind. The work itself runs in the background (wordpress/tasks.py)."""

import os
import uuid
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import progress
from .models import ImportRun
from .tasks import check_export, import_checked_export

State = ImportRun.State


class AnotherRunOpen(Exception):
    """Another import is being checked, waits for "Import now", or is importing."""


def start_run(*, upload, skip_bad_items, user, with_media=False):
    """Store ``upload`` privately and queue its dry run; return the new ``ImportRun``.

    Raises ``AnotherRunOpen`` (nothing stored) while another run is open.
    """
    if ImportRun.objects.open().exists():
        raise AnotherRunOpen
    file_name = f"{uuid.uuid4().hex}.xml"
    path = store_upload(upload, file_name)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                file_name=file_name,
                original_name=Path(upload.name).name[:255],
                size=upload.size,
                skip_bad_items=skip_bad_items,
                with_media=with_media,
                uploaded_by=user,
            )
            transaction.on_commit(partial(check_export.enqueue, run.pk), robust=True)
    except IntegrityError:
        # Another upload won the race between the check above and this insert.
        path.unlink(missing_ok=True)
        raise AnotherRunOpen from None
    return run


def store_upload(upload, file_name):
    """Write ``upload`` to WORDPRESS_IMPORT_DIR, readable by this account only."""
    directory = Path(settings.WORDPRESS_IMPORT_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / file_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        for chunk in upload.chunks():
            stream.write(chunk)
    return path


def start_import(*, run, user):
    """Queue the import of a checked run; return whether it was queued (False if the
    run had moved on: imported already, cancelled, or a second click)."""
    with transaction.atomic():
        if not run.move_to(State.IMPORTING, imported_by=user):
            return False
        progress.forget(run.pk)
        transaction.on_commit(partial(import_checked_export.enqueue, run.pk), robust=True)
    return True


def cancel_run(*, run):
    """Give up a run before its import starts and delete its file; return whether it
    was cancelled."""
    if not run.move_to(State.CANCELLED, finished_at=timezone.now()):
        return False
    run.delete_upload()
    progress.forget(run.pk)
    return True


def give_up_abandoned_runs(*, now=None):
    """Close the runs open for longer than ``ABANDONED_AFTER`` and delete their files;
    return how many were closed.

    A checked run nobody imported is cancelled; one whose check or import never
    ended (its worker stopped) is marked failed: a stopped import wrote nothing.
    """
    now = now or timezone.now()
    closed = 0
    for run in ImportRun.objects.abandoned(now=now):
        if run.state == State.CHECKED:
            moved = run.move_to(State.CANCELLED, finished_at=now)
        else:
            message = _(
                "The check or the import did not end within a day (is the background "
                "worker, manage.py db_worker, running?); nothing was written. Upload "
                "the file again."
            )
            moved = run.move_to(State.FAILED, error=message, finished_at=now)
        if moved:
            run.delete_upload()
            progress.forget(run.pk)
            closed += 1
    return closed
