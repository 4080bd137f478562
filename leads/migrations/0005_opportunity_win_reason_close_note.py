from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_cost_end_date")]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="won_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("price", "Price"),
                    ("product_fit", "Product fit"),
                    ("relationship", "Relationship"),
                    ("timing", "Timing"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="win reason",
            ),
        ),
        migrations.AddField(
            model_name="opportunity",
            name="close_note",
            field=models.TextField(
                blank=True,
                help_text="Why, in words (required for a loss of Other).",
                verbose_name="close note",
            ),
        ),
    ]
