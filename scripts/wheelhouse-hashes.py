"""Add to a wheelhouse's requirements.txt the hash of every wheel built there from a source.

`pip wheel --require-hashes` checked each source archive against the lock before building
it, so the wheel it built is the locked release; its own hash is added beside the lock's so
that the closed machine's `pip install --require-hashes` can check what it was carried.

    python scripts/wheelhouse-hashes.py WHEELHOUSE
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(wheelhouse: Path) -> None:
    requirements = wheelhouse / "requirements.txt"
    text = requirements.read_text()
    added: dict[str, list[str]] = {}
    for wheel in sorted(wheelhouse.glob("*.whl")):
        with wheel.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if digest not in text and not wheel.name.startswith("vinculo-"):
            added.setdefault(normalise(wheel.name.split("-")[0]), []).append(digest)
    lines: list[str] = []
    for line in text.splitlines():
        lines.append(line)
        found = re.match(r"^([A-Za-z0-9_.-]+)==.*\\$", line)
        if found and normalise(found.group(1)) in added:
            lines.extend(f"    --hash=sha256:{d} \\" for d in added.pop(normalise(found.group(1))))
    if added:
        sys.exit(f"wheelhouse-hashes: built wheels with no locked requirement: {sorted(added)}")
    requirements.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
