"""``townhall apikey create NAME | list | revoke PREFIX``: keys for Open311 clients."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from townhall.accounts.models import ApiKey
from townhall.accounts.services import create_api_key, revoke_api_key
from townhall.lib.actors import Actor


class Command(BaseCommand):
    help = "Create, list or revoke Open311 API keys."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it once")
        create.add_argument("name")
        sub.add_parser("list", help="list keys (prefixes only)")
        revoke = sub.add_parser("revoke", help="revoke the key with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor(label="cli:apikey", channel="cli")
        action = options["action"]
        if action == "create":
            try:
                key, raw = create_api_key(actor, options["name"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(raw)
            self.stderr.write(f"Created key {key.prefix}… for {key.name}. It is shown only once.")
        elif action == "list":
            for key in ApiKey.objects.order_by("created_at"):
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(
                    f"{key.prefix}…  {state:8}  {key.created_at:%Y-%m-%d}  {key.name}"
                )
        else:
            # `list` prints prefixes with a trailing ellipsis; accept them pasted as shown.
            prefix = options["prefix"].strip().rstrip("…").rstrip(".")
            matches = list(ApiKey.objects.active().filter(prefix=prefix))
            if len(matches) != 1:
                raise CommandError(f"no single active key has the prefix {prefix!r}")
            revoke_api_key(actor, matches[0])
            self.stdout.write(f"Revoked {matches[0]}.")
