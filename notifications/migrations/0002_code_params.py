"""Texts as a code and parameters (old rows keep code "" and show their message), and the
content type renamed from handoff to notifications so permissions stay attached."""

from django.db import migrations, models

MODEL = "notification"


def _rename(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new, model=MODEL).exists():
        return  # already created under the new label; leave both as they are
    ContentType.objects.filter(app_label=old, model=MODEL).update(app_label=new)


def forwards(apps, schema_editor):
    _rename(apps, "handoff", "notifications")


def backwards(apps, schema_editor):
    _rename(apps, "notifications", "handoff")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="code",
            field=models.CharField(blank=True, max_length=50, verbose_name="text code"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="text parameters"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
