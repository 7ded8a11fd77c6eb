"""The audit log's one way in: ``record(user, action, obj, detail="")``.

Call it inside the transaction that makes the change, so that a change and its line
in the log are kept or rolled back together.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.text import Truncator

from .models import AuditEntry

Action = AuditEntry.Action

OBJECT_TEXT_LENGTH = AuditEntry._meta.get_field("object_text").max_length
DETAIL_LENGTH = AuditEntry._meta.get_field("detail").max_length


def describe(obj):
    """The text that names ``obj`` in the log: its ``audit_text`` if it has one (a
    model whose ``str()`` holds personal data gives one without), else ``str(obj)``."""
    return str(getattr(obj, "audit_text", None) or obj)


def record(user, action, obj, detail=""):
    """Write one audit entry saying that ``user`` did ``action`` to ``obj``; return it.

    ``user`` may be None (or anonymous) for what the site does on its own, such as
    emptying old trash. ``obj`` must still have its primary key (record a deletion
    before deleting).
    """
    person = user if user is not None and user.is_authenticated else None
    return AuditEntry.objects.create(
        user=person,
        username=person.get_username() if person else "",
        action=Action(action),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_text=Truncator(describe(obj)).chars(OBJECT_TEXT_LENGTH),
        detail=Truncator(str(detail)).chars(DETAIL_LENGTH),
    )
