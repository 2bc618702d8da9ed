"""Sealing the ballot box once voting has closed.

While voting is open a ballot must stay findable by its voter, who may change it: its row
carries the ``locator``. And the database keeps its own record of write order — SQLite's
``rowid``, PostgreSQL's physical position (``ctid``) and transaction id (``xmin``), which a
first ballot shares with the "has voted" mark on the voter's census entry or code. On a
quiet afternoon, write order is the order in which people voted.

None of that is needed once voting has closed. Sealing rewrites every ballot of the
process in a random order, with new keys and no locator, in one transaction, and deletes
the originals (PostgreSQL then vacuums the table; SQLite overwrites the deleted rows).
Afterwards nothing stored — locator, key, transaction id, position — ties a ballot to a
voter or to when it was cast, even for someone holding ``SECRET_KEY`` and a voter's code.
What it cannot reach: write-ahead logs and backups taken during the vote (protect and
expire them like the database), and a database watched live while people vote.

Counting seals first (``results.count_process``), so published results always come from a
sealed box. Paper ballots typed in after sealing carry no identity in the first place.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.audit import record
from townhall.budgeting.models import Ballot, PaperEntry, Process
from townhall.lib.actors import Actor


class SealingError(ValueError):
    """The box cannot be sealed yet (voting is still open)."""


def seal_ballot_box(actor: Actor, process: Process) -> int:
    """Rewrite the process's ballots as described above; returns how many were sealed
    (0 when the box was already sealed). One transaction, one audit event."""
    with _overwriting_deleted_rows(), transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        if timezone.now() < current.voting_close_at:
            raise SealingError(_("Voting has not closed yet: the ballot box stays open."))
        if current.ballots_sealed_at is not None:
            return 0
        sealed = _rewrite_in_random_order(current)
        current.ballots_sealed_at = timezone.now()
        current.save(update_fields=["ballots_sealed_at"])
        record(actor, "pb.ballots.sealed", current, ballots=sealed)
    _vacuum()
    process.ballots_sealed_at = current.ballots_sealed_at
    return sealed


def _rewrite_in_random_order(process: Process) -> int:
    rows = list(
        Ballot.objects.filter(process=process).values_list(
            "id", "unit_id", "channel", "projects", "points"
        )
    )
    random.SystemRandom().shuffle(rows)
    new_id = {old: uuid.uuid4() for old, *_ in rows}
    paper = list(
        PaperEntry.objects.filter(process=process, ballot__isnull=False).values_list(
            "pk", "ballot_id"
        )
    )
    # Deleting sets the paper entries' links to NULL; they are pointed at the new rows below.
    Ballot.objects.filter(process=process).delete()
    Ballot.objects.bulk_create(
        [
            Ballot(
                id=new_id[old],
                process=process,
                unit_id=unit_id,
                channel=channel,
                projects=projects,
                points=points,
                locator="",
            )
            for old, unit_id, channel, projects, points in rows
        ],
        batch_size=1000,
    )
    entries = [PaperEntry(pk=pk, ballot_id=new_id[old]) for pk, old in paper]
    PaperEntry.objects.bulk_update(entries, ["ballot"], batch_size=1000)
    return len(rows)


@contextmanager
def _overwriting_deleted_rows() -> Iterator[None]:
    """On SQLite, zero the deleted ballots' bytes in the file (``secure_delete``)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {before}")


def _vacuum() -> None:
    """On PostgreSQL, reclaim the deleted versions now rather than at autovacuum's leisure
    (VACUUM cannot run inside a transaction: skipped when the caller holds one)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {connection.ops.quote_name(Ballot._meta.db_table)}")
