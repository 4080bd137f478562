"""Lead search by pg_trgm: one GIN index over UPPER(first_name ' ' last_name ' ' company ' '
email), the expression `leads.search` filters with `icontains` (PostgreSQL only; SQLite runs
the same search unindexed), built concurrently so a deploy does not stop lead capture; and a
btree on email for the exact path of a full email; the inbox's accepted-leads queue."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models.functions import Cast, Concat, Upper

from leads.migration_ops import AddIndexOnPostgres

SEARCH_TEXT = Concat(
    models.F("first_name"),
    models.Value(" "),
    models.F("last_name"),
    models.Value(" "),
    models.F("company"),
    models.Value(" "),
    models.F("email"),
    output_field=models.TextField(),
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("leads", "0008_touch")]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["email"], name="lead_email_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("status", "accepted")),
                fields=["owner", "first_accepted_at", "id"],
                name="lead_accepted_queue_idx",
            ),
        ),
        TrigramExtension(),
        AddIndexOnPostgres(
            model_name="lead",
            index=GinIndex(
                OpClass(Upper(Cast(SEARCH_TEXT, models.TextField())), name="gin_trgm_ops"),
                name="lead_search_trgm",
            ),
        ),
    ]
