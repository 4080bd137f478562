from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0006_opportunity_loss_reasons_to_codes")]

    operations = [
        migrations.AlterField(
            model_name="opportunity",
            name="lost_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("price", "Price"),
                    ("competitor", "Chose a competitor"),
                    ("no_decision", "No decision"),
                    ("timing", "Timing"),
                    ("missing_features", "Missing features"),
                    ("budget", "No budget"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="loss reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=models.Q(lost_reason="")
                | models.Q(
                    lost_reason__in=[
                        "price",
                        "competitor",
                        "no_decision",
                        "timing",
                        "missing_features",
                        "budget",
                        "other",
                    ]
                ),
                name="opportunity_lost_reason_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=models.Q(won_reason="")
                | models.Q(
                    won_reason__in=["price", "product_fit", "relationship", "timing", "other"]
                ),
                name="opportunity_won_reason_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="opportunity",
            constraint=models.CheckConstraint(
                condition=~models.Q(lost_reason="other") | ~models.Q(close_note=""),
                name="opportunity_lost_other_needs_note",
            ),
        ),
    ]
