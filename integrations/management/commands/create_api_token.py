"""`create_api_token USERNAME [--name N]` prints a key once; `--list`; `--revoke PREFIX_OR_ID`."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from integrations import tokens
from integrations.models import ApiToken
from leads.errors import InvalidInput


class Command(BaseCommand):
    help = "Create (and print once), list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the user the new token acts as")
        parser.add_argument("--name", default="", help="a label, e.g. the integration's name")
        parser.add_argument("--list", action="store_true", help="list tokens (of USERNAME)")
        parser.add_argument("--revoke", metavar="PREFIX_OR_ID", help="revoke one token")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"]:
            self._revoke(options["revoke"])
        elif options["list"]:
            self._list(options["username"])
        elif options["username"]:
            self._create(options["username"], options["name"])
        else:
            raise CommandError("Give USERNAME, --list or --revoke PREFIX_OR_ID.")

    def _create(self, username: str, name: str) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            created = tokens.token_create(actor=None, user_id=user.pk, name=name)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        token = created.token
        self.stdout.write(created.key)
        self.stderr.write(
            f"Token {token.prefix} ({token.name}) for {username} (id {token.pk}). "
            "Copy the key now: it is not stored and cannot be shown again."
        )

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}\t{t.user.username}\t{t.name}\t"
                f"created {t.created_at:%Y-%m-%d %H:%M}\tlast used {used}\t{state}"
            )

    def _revoke(self, ref: str) -> None:
        match = Q(prefix=ref)
        if ref.isdigit():
            match |= Q(pk=int(ref))
        found = list(ApiToken.objects.filter(match, revoked_at__isnull=True))
        if len(found) != 1:
            raise CommandError(f"{len(found)} active tokens match {ref!r}; give one prefix or id.")
        try:
            token = tokens.token_revoke(actor=None, token_id=found[0].pk)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Revoked token {token.prefix} ({token.name}).")
