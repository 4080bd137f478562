"""LeadImport moves here from handoff in state only: the table `handoff_leadimport` (and its
rows) stays where it is; handoff 0006 removed the model from handoff's state."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("handoff", "0006_move_leadimport_state"),
        ("leads", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LeadImport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("file", models.FileField(upload_to="imports/%Y/%m/", verbose_name="file")),
                        (
                            "original_name",
                            models.CharField(max_length=255, verbose_name="file name"),
                        ),
                        (
                            "columns",
                            models.JSONField(blank=True, default=list, verbose_name="columns"),
                        ),
                        (
                            "delimiter",
                            models.CharField(default=",", max_length=1, verbose_name="delimiter"),
                        ),
                        (
                            "encoding",
                            models.CharField(
                                default="utf-8-sig", max_length=20, verbose_name="encoding"
                            ),
                        ),
                        (
                            "mapping",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="Lead field -> CSV column.",
                                verbose_name="column mapping",
                            ),
                        ),
                        (
                            "language",
                            models.CharField(
                                default="en", max_length=10, verbose_name="language of the report"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("uploaded", "Waiting for the column mapping"),
                                    ("queued", "Queued"),
                                    ("running", "Importing"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="uploaded",
                                max_length=20,
                                verbose_name="status",
                            ),
                        ),
                        ("total_rows", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        (
                            "processed_rows",
                            models.PositiveIntegerField(default=0, verbose_name="rows processed"),
                        ),
                        (
                            "created_count",
                            models.PositiveIntegerField(default=0, verbose_name="leads created"),
                        ),
                        (
                            "duplicate_count",
                            models.PositiveIntegerField(
                                default=0, verbose_name="duplicates skipped"
                            ),
                        ),
                        (
                            "invalid_count",
                            models.PositiveIntegerField(default=0, verbose_name="invalid rows"),
                        ),
                        (
                            "report",
                            models.JSONField(blank=True, default=list, verbose_name="report"),
                        ),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="started at"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                        ),
                        (
                            "campaign",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="leads.campaign",
                                verbose_name="campaign for every row",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="lead_imports",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="created by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lead import",
                        "verbose_name_plural": "lead imports",
                        "db_table": "handoff_leadimport",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    (
                                        "status__in",
                                        ["uploaded", "queued", "running", "done", "failed"],
                                    )
                                ),
                                name="leadimport_status_valid",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
