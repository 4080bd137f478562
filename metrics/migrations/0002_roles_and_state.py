"""Give the roles their target permissions and create the refresh state row."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TARGET_PERMISSIONS = {
    "manager": ["add_target", "change_target", "delete_target", "view_target"],
    "marketing": ["view_target"],
    "sales": ["view_target"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("metrics")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in TARGET_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="metrics", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for {role}: {sorted(missing)}")
        group.permissions.add(*perms)
    apps.get_model("metrics", "RefreshState").objects.get_or_create(pk=1)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for role, codenames in TARGET_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="metrics", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("handoff", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
