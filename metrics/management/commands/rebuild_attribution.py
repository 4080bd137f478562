"""python manage.py rebuild_attribution"""

from typing import Any

from django.core.management.base import BaseCommand

from metrics import attribution_refresh


class Command(BaseCommand):
    help = "Rebuild every attribution credit (attribution.md) from the won opportunities."

    def handle(self, *args: Any, **options: Any) -> None:
        result = attribution_refresh.rebuild_all()
        self.stdout.write(
            f"Attribution rebuilt: {result.opportunities} won opportunities, "
            f"{result.credits} credits in {result.seconds:.2f} s"
        )
