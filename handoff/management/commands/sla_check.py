"""Run the SLA sweep once (what the beat task does every minute)."""

from django.core.management.base import BaseCommand

from handoff.sla import sweep


class Command(BaseCommand):
    help = "Run the SLA sweep once: reminders, breaches, reassignments."

    def handle(self, *args, **options) -> None:
        result = sweep.sla_sweep()
        self.stdout.write(
            f"reminded {len(result.reminded)}, breached {len(result.breached)}, "
            f"reassigned {len(result.reassigned)}, escalated {len(result.escalated)}"
        )
