"""Vendored front-end packages match the npm pins, and pages never leave the site."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "townhall" / "portal" / "static" / "vendor"


def test_vendored_files_are_the_locked_versions_unchanged():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    record = json.loads((VENDOR / "VERSIONS.json").read_text())
    for name, info in record.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == info["version"]
        for relative, digest in info["files"].items():
            content = (VENDOR / info["folder"] / relative).read_bytes()
            assert hashlib.sha256(content).hexdigest() == digest, relative


def test_no_template_or_script_names_another_host():
    portal = ROOT / "townhall" / "portal"
    for path in [*portal.glob("templates/**/*.html"), *portal.glob("static/portal/*")]:
        text = path.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text, path
