"""A real past participatory-budgeting vote in the demo: Warsaw Mokotów 2022 (Pabulib).

It goes through the same services a city would use: imported from its ``.pb`` file,
counted (with the city's own greedy rule, compared with Equal Shares and Phragmén) and
published, so that the results page shows real residents' votes. It makes a good showcase:
counted with Equal Shares, twice as many projects are funded and about 94% of voters, not
87%, see at least one of their projects win. See ``data/pabulib/README.md`` for the
source and licence.
"""

from __future__ import annotations

from pathlib import Path

from townhall.budgeting.models import Process
from townhall.budgeting.services import count_process, import_pabulib, publish_results
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction

DATA = Path(__file__).resolve().parent / "data" / "pabulib"
FILE = "Poland_Warszawa_2022_Mokotow.pb"
SLUG = "warsaw-mokotow-2022"
TITLE = "Warsaw, Mokotów 2022: a real past vote"
# The count's "how many more supporters" search only runs for Equal Shares and Phragmén;
# greedy's numbers are exact and instant, so this bound is a safety net.
EXPLAIN_SECONDS = 5.0


def load_past_election(actor: Actor, city: Jurisdiction) -> Process:
    """Import, count and publish the shipped election; do nothing if it is already there."""
    existing = Process.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    process = import_pabulib(
        actor, city, [(FILE, (DATA / FILE).read_bytes())], SLUG, TITLE, publish=True
    )
    count_process(actor, process, explain_seconds=EXPLAIN_SECONDS)
    return publish_results(actor, process)


__all__ = ["FILE", "SLUG", "load_past_election"]
