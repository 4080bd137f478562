"""`manage.py bootstrap`: create the first manager of a new install (then add the team on
the users settings page). Refuses when an active manager exists, unless --force."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handoff.services.team import bootstrap_manager
from leads.errors import DomainError, InvalidInput

PASSWORD_ENV = "BOOTSTRAP_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create the first manager (in the manager group; a superuser only with --superuser). "
        f"Password from --password-stdin, the {PASSWORD_ENV} environment variable, or a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="The manager's username (prompted if missing).")
        parser.add_argument("--email", help="The manager's email (prompted if missing).")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )
        parser.add_argument(
            "--force", action="store_true", help="Create a manager even if one exists."
        )
        parser.add_argument(
            "--superuser", action="store_true", help="Also make them a Django superuser."
        )
        parser.add_argument("--no-input", action="store_true", help="Never prompt.")

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = not options["no_input"] and sys.stdin.isatty()
        username = options["username"] or self._ask("Username: ", interactive)
        email = options["email"]
        if email is None:
            email = self._ask("Email (optional): ", interactive, required=False)
        password = self._password(options, interactive)
        try:
            user = bootstrap_manager(
                username=username,
                email=email or "",
                password=password,
                force=options["force"],
                superuser=options["superuser"],
            )
        except InvalidInput as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
            ) from None
        except DomainError as exc:
            raise CommandError(f"{exc.message} (use --force to add another manager)") from None
        kind = "manager and superuser" if options["superuser"] else "manager"
        self.stdout.write(
            self.style.SUCCESS(f"Created the {kind} {user.get_username()!r}. Sign in at /.")
        )

    def _ask(self, prompt: str, interactive: bool, *, required: bool = True) -> str:
        if not interactive:
            if required:
                raise CommandError(f"Missing {prompt.split(':')[0].lower()} (no terminal to ask).")
            return ""
        value = input(prompt).strip()
        if required and not value:
            raise CommandError(f"{prompt.split(':')[0]} is required.")
        return value

    def _password(self, options: dict[str, Any], interactive: bool) -> str:
        if options["password_stdin"]:
            return sys.stdin.readline().rstrip("\r\n")
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not interactive:
            raise CommandError(f"Give the password with --password-stdin or {PASSWORD_ENV}.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
