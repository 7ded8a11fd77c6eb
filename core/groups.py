"""Group permissions given and taken back by data migrations.

Each app's migrations give the staff groups (Editors, Moderators, Medical
reviewers) the permissions on what that app adds; these two functions are the one
way they do it, so that a fresh database, a migration and its reversal agree.
"""

from django.contrib.auth.management import create_permissions


def grant(apps, group_name, app_label, codenames):
    """Give the group ``group_name`` (made if missing) the permissions ``codenames``
    of ``app_label``, inside a data migration (``apps``: its historical models)."""
    # Permissions are normally created after all migrations run (post_migrate):
    # create them now so that a fresh database has them to give.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=group_name)
    group.permissions.add(*_permissions(apps, app_label, codenames))


def revoke(apps, group_name, app_label, codenames):
    """Take the permissions ``codenames`` of ``app_label`` back from ``group_name``."""
    group = apps.get_model("auth", "Group").objects.filter(name=group_name).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, app_label, codenames))


def _permissions(apps, app_label, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
