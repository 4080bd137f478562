"""Rename the moved models' content types from `crm` to `integrations` (permissions stay attached)."""

from django.db import migrations

MODELS = ["apitoken", "idempotencykey", "webhooksubscription", "webhookdelivery", "webhookattempt"]


def _rename(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _rename(apps, schema_editor, "crm", "integrations")


def backwards(apps, schema_editor) -> None:
    _rename(apps, schema_editor, "integrations", "crm")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
