"""axe-core (bundled with axe-playwright-python) on a page: WCAG 2.2 A/AA and best practice."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_axe = Axe()


def violations(page) -> list[str]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    found = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]
