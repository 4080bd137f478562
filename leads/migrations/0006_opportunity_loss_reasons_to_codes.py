"""Free-text loss reasons become the code `other`, the text kept as the close note; a reason
that already is a code stays as it is."""

from django.db import migrations

CODES = {"price", "competitor", "no_decision", "timing", "missing_features", "budget", "other"}


def forward(apps, schema_editor):
    Opportunity = apps.get_model("leads", "Opportunity")
    for opportunity in Opportunity.objects.exclude(lost_reason="").only("lost_reason"):
        text = opportunity.lost_reason.strip()
        if text in CODES and text != "other":
            continue
        Opportunity.objects.filter(pk=opportunity.pk).update(
            lost_reason="other", close_note=text or "other"
        )


def backward(apps, schema_editor):
    Opportunity = apps.get_model("leads", "Opportunity")
    for opportunity in Opportunity.objects.filter(lost_reason="other").only("close_note"):
        Opportunity.objects.filter(pk=opportunity.pk).update(
            lost_reason=opportunity.close_note[:255] or "other"
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_opportunity_win_reason_close_note")]

    operations = [migrations.RunPython(forward, backward)]
