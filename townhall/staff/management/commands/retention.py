"""``townhall retention``: delete personal data past its retention period.

Run it daily from cron (``0 3 * * * townhall retention``) or a systemd timer. It applies
the periods the personal-data register promises (``townhall/privacy/registry.py``) for
the service desk (reporter contacts, follows, area alerts), the assistant's transcripts,
expired sessions and sign-in records (django-axes), each in one transaction with an audit
event. It lives with the back office
because it spans domain apps, which do not import each other.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from townhall.accounts.services import purge_sign_in_records
from townhall.assistant.services import purge_transcripts
from townhall.lib.actors import Actor
from townhall.servicedesk.services import apply_retention


class Command(BaseCommand):
    help = "Delete personal data past its retention period (service desk and assistant)."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("retention")
        desk = apply_retention(actor)
        conversations = purge_transcripts(actor)
        sign_in = purge_sign_in_records(actor)
        self.stdout.write(
            f"retention: reporter contacts {desk.contacts}, follows {desk.follows}, "
            f"area alerts {desk.area_alerts}, assistant conversations {conversations}, "
            f"expired sessions {sign_in['sessions']}, sign-in records "
            f"{sign_in['sign_in_attempts'] + sign_in['sign_in_logs']}"
        )
