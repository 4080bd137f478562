"""Let managers edit the SLA policy, business hours, assignment rules and rep availability."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_PERMISSIONS = [
    f"{verb}_{model}"
    for model in ("slapolicy", "businesshours", "assignmentrule", "repavailability")
    for verb in ("add", "change", "delete", "view")
] + ["view_notification"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("handoff")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name="manager")
    perms = Permission.objects.filter(
        content_type__app_label="handoff", codename__in=MANAGER_PERMISSIONS
    )
    manager.permissions.add(*perms)
    RotationPointer = apps.get_model("handoff", "RotationPointer")
    RotationPointer.objects.get_or_create(key="default")


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager = Group.objects.filter(name="manager").first()
    if manager:
        manager.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="handoff", codename__in=MANAGER_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("handoff", "0003_workflow_config")]

    operations = [migrations.RunPython(grant, revoke)]
