"""A pending-email marker on each notice (an outbox swept by beat).

Notices written before this migration had their email queued already, so they start as
`sent` (their email_sent_at unknown); new notices default to `pending`."""

from django.db import migrations, models

EMAIL_STATES = [
    ("pending", "Email pending"),
    ("sending", "Email being sent"),
    ("sent", "Email sent"),
    ("skipped", "No email address"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_code_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="email sent at"),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_state",
            field=models.CharField(
                choices=EMAIL_STATES, default="sent", max_length=10, verbose_name="email"
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="email_state",
            field=models.CharField(
                choices=EMAIL_STATES, default="pending", max_length=10, verbose_name="email"
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_state", "pending")),
                fields=["created_at"],
                name="notification_email_pending_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("email_state__in", ["pending", "sending", "sent", "skipped"])),
                name="notification_email_state_valid",
            ),
        ),
    ]
