"""Create the three roles (groups) and give them their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "marketing": {
        "leads": [
            "add_campaign",
            "change_campaign",
            "view_campaign",
            "add_campaigncost",
            "change_campaigncost",
            "view_campaigncost",
            "view_salescost",
            "add_lead",
            "change_lead",
            "view_lead",
            "view_opportunity",
        ],
        "handoff": ["view_handoff", "view_leadevent"],
    },
    "sales": {
        "leads": [
            "view_campaign",
            "view_campaigncost",
            "view_lead",
            "change_lead",
            "view_opportunity",
            "change_opportunity",
        ],
        "handoff": ["view_handoff", "view_leadevent"],
    },
    "manager": {
        "leads": [
            "add_campaign",
            "change_campaign",
            "view_campaign",
            "delete_campaign",
            "add_campaigncost",
            "change_campaigncost",
            "view_campaigncost",
            "delete_campaigncost",
            "add_salescost",
            "change_salescost",
            "view_salescost",
            "delete_salescost",
            "add_lead",
            "change_lead",
            "view_lead",
            "view_opportunity",
            "change_opportunity",
            "backfill",
        ],
        "handoff": ["view_handoff", "view_leadevent"],
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create the
    # ones this migration grants now. The stub app config needs models_module set.
    for label in ("leads", "handoff"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            perms = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            missing = set(codenames) - set(perms.values_list("codename", flat=True))
            if missing:
                raise RuntimeError(f"Permissions not found for {role}: {sorted(missing)}")
            group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0001_initial"),
        ("leads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
