"""Copy the pinned npm front-end packages the portal uses into its static folder.

    npm ci --ignore-scripts && python scripts/vendor_assets.py      (or: make vendor)

The copies are committed, so neither CI nor a fresh machine needs npm, and residents'
browsers never fetch from a CDN. ``VERSIONS.json`` records what was copied; a test checks
it against package-lock.json so that a bumped pin without re-vendoring fails.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "townhall" / "portal" / "static" / "vendor"

SOURCE_MAP_RE = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$|\n?/\*# sourceMappingURL=\S+ \*/\s*$")

# package -> (files or globs inside the package, folder under static/vendor/)
MANIFEST: dict[str, tuple[tuple[str, ...], str]] = {
    "leaflet": (
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png", "LICENSE"),
        "leaflet",
    ),
}


def locked_versions() -> dict[str, str]:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in MANIFEST}


def vendor() -> dict[str, dict[str, object]]:
    record: dict[str, dict[str, object]] = {}
    versions = locked_versions()
    for name, (patterns, folder) in MANIFEST.items():
        package = NODE_MODULES / name
        installed = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
        if installed != versions[name]:
            raise SystemExit(f"{name} {installed} is installed but {versions[name]} is locked")
        target = VENDOR / folder
        if target.exists():
            shutil.rmtree(target)
        files: dict[str, str] = {}
        for pattern in patterns:
            matches = sorted(package.glob(pattern))
            if not matches:
                raise SystemExit(f"{name}: nothing matches {pattern}")
            for source in matches:
                relative = source.relative_to(package)
                # dist/ is dropped so that leaflet.css finds images/ beside it, as it expects.
                relative = Path(*relative.parts[1:]) if relative.parts[0] == "dist" else relative
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                content = source.read_bytes()
                if source.suffix in {".js", ".css"}:
                    # The source maps are not vendored; a dangling reference would make
                    # collectstatic's manifest storage fail.
                    content = SOURCE_MAP_RE.sub(b"", content)
                destination.write_bytes(content)
                files[str(relative)] = hashlib.sha256(content).hexdigest()
        record[name] = {"version": installed, "folder": folder, "files": files}
    (VENDOR / "VERSIONS.json").write_text(
        json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return record


def main() -> int:
    if not NODE_MODULES.exists():
        print("node_modules/ is missing: run `npm ci --ignore-scripts` first", file=sys.stderr)
        return 1
    for name, info in vendor().items():
        print(f"vendored {name} {info['version']}: {len(info['files'])} files")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
