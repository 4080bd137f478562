"""The content type of LeadImport follows the model from handoff to imports, so its
permissions (and admin log entries) stay attached to it. Nothing to do on a fresh database."""

from django.db import migrations


def _relabel(apps, old_label: str, new_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new_label, model="leadimport").exists():
        return
    ContentType.objects.filter(app_label=old_label, model="leadimport").update(app_label=new_label)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, "handoff", "imports")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, "imports", "handoff")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
