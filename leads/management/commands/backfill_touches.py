"""Give every lead with a source campaign its missing creation touch (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads.touches import capture_touches_backfill


class Command(BaseCommand):
    help = (
        "Record the missing capture touch (source campaign at creation time) of every lead, "
        "e.g. after restoring a database from before touches existed. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        fixed = capture_touches_backfill(batch_size=max(1, options["batch_size"]))
        self.stdout.write(f"capture touches recorded or corrected: {fixed}")
