"""Keep the wheels `make wheelhouse` builds from source, so the next wheelhouse need not.

A locked package published only as a source archive (PyICU) is compiled on every
`make wheelhouse`, a minute or two of CPU. The wheel built from it is kept under the cache
directory, keyed by the lock's hashes for that package and by what the build depended on
(the Python, the platform, the C library, the system ICU). A kept wheel is used only when
all of these match and its own SHA-256 is the one recorded when it was kept; otherwise the
entry is removed and the package is built again.

    python scripts/wheel-cache.py take WHEELHOUSE CACHE [VENV UV_CACHE]  # before `pip wheel`
    python scripts/wheel-cache.py keep WHEELHOUSE CACHE                  # after it

`take` also looks for the wheel the installer already built for VENV: uv keeps each wheel it
builds from a source archive in its cache (UV_CACHE), and `make install` or `make install-dev`
compiled PyICU there from the same locked archive (`uv sync --frozen` checks its hash). Such a
wheel is used only when VENV holds that package at the locked version, installed from exactly
that wheel (every file the wheel's RECORD lists is installed with the same hash and size, and
nothing else but the installer's own notes), and its tag is this Python's. A new clone then
packs the build its tests ran rather than compiling it again.

`take` copies the kept wheels that match into WHEELHOUSE and writes WHEELHOUSE/fetch.txt:
requirements.txt without the packages it supplied, for `pip wheel`. `keep` stores each wheel
in WHEELHOUSE that the lock does not list (so was built here, from a source archive `pip
wheel --require-hashes` checked against the lock). An empty CACHE turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENTRY = "entry.json"


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised, as in wheel file names: lower case, runs of -_. as _
    version: str
    hashes: frozenset[str]
    block: str  # its lines in requirements.txt

    @property
    def key(self) -> str:
        text = "\n".join([self.name, self.version, *sorted(self.hashes)])
        return f"{self.name}-{self.version}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def read_requirements(path: Path) -> tuple[str, list[Requirement]]:
    """The file's header (comments) and its requirements, each with its own lines."""
    header: list[str] = []
    blocks: list[list[str]] = []
    for line in path.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            header.append(line)
    found: list[Requirement] = []
    for block in blocks:
        pinned = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", block[0])
        if pinned is None:
            sys.exit(f"wheel-cache: {path}: not a pinned requirement: {block[0]}")
        text = "\n".join(block)
        found.append(
            Requirement(
                name=normalise(pinned.group(1)),
                version=pinned.group(2),
                hashes=frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", text)),
                block=text,
            )
        )
    return "\n".join(header), found


def system_icu() -> str:
    """The ICU PyICU compiles against; a wheel built on another is not reused."""
    try:
        done = subprocess.run(
            ["pkg-config", "--modversion", "icu-i18n"], capture_output=True, text=True
        )
    except FileNotFoundError:
        return "none"
    return done.stdout.strip() if done.returncode == 0 else "none"


def build_environment() -> dict[str, str]:
    libc, libc_version = platform.libc_ver()
    return {
        "python": sys.implementation.cache_tag or sys.version,
        "platform": sysconfig.get_platform(),
        "libc": f"{libc} {libc_version}".strip(),
        "icu": system_icu(),
    }


def environment_dir(cache: Path, environment: dict[str, str]) -> Path:
    text = json.dumps(environment, sort_keys=True)
    return cache / f"{environment['python']}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def matching_wheel(entry: Path, requirement: Requirement, environment: dict[str, str]) -> Path:
    """The entry's wheel if every recorded fact matches; raises ValueError naming the first that
    does not."""
    recorded: dict[str, Any] = json.loads((entry / ENTRY).read_text())
    if set(recorded["locked_hashes"]) != requirement.hashes:
        raise ValueError("the lock's hashes differ")
    if recorded["environment"] != environment:
        raise ValueError("it was built for another Python, platform or ICU")
    wheel = entry / str(recorded["wheel"])
    if wheel.parent != entry or not wheel.name.lower().startswith(
        f"{requirement.name}-{requirement.version}-"
    ):
        raise ValueError(f"{wheel.name} is not {requirement.name} {requirement.version}")
    if sha256(wheel) != recorded["sha256"]:
        raise ValueError(f"{wheel.name} is not the file that was kept (its SHA-256 differs)")
    return wheel


# What an installer writes into a dist-info directory beside the wheel's own files.
INSTALLER_NOTES = frozenset(
    {"INSTALLER", "REQUESTED", "direct_url.json", "uv_build.json", "uv_cache.json", "RECORD"}
)


def record_rows(text: str) -> dict[str, tuple[str, str]]:
    """A RECORD's files with their hash and size; rows without a hash (RECORD's own) left out."""
    rows: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        parts = line.rsplit(",", 2)  # a path may hold commas; the hash and size do not
        if len(parts) == 3 and parts[1]:
            rows[parts[0]] = (parts[1], parts[2])
    return rows


def installed_record(venv: Path, requirement: Requirement) -> dict[str, tuple[str, str]] | None:
    """The files the venv installed for this requirement at its locked version, if it has it."""
    for info in venv.glob("lib/python*/site-packages/*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        if normalise(name) == requirement.name and version == requirement.version:
            record = info / "RECORD"
            return record_rows(record.read_text()) if record.is_file() else None
    return None


def wheel_record(wheel: Path) -> dict[str, tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        [record] = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        return record_rows(archive.read(record).decode())


def installed_build(requirement: Requirement, venv: Path, uv_cache: Path) -> Path | None:
    """The wheel in uv's cache that `venv` holds this requirement from, file for file."""
    installed = installed_record(venv, requirement)
    if not installed:
        return None
    python_tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    for wheel in sorted(uv_cache.glob(f"sdists-v*/*/*/{requirement.version}/*/*.whl")):
        name, version, python, *_ = wheel.stem.split("-")
        if (normalise(name), version) != (requirement.name, requirement.version):
            continue
        if python != python_tag:
            continue
        try:
            built = wheel_record(wheel)
        except (OSError, ValueError, zipfile.BadZipFile):
            continue
        extra = {
            path
            for path in installed.keys() - built.keys()
            if not (".dist-info/" in path and path.rsplit("/", 1)[-1] in INSTALLER_NOTES)
        }
        if built and not extra and all(installed.get(p) == row for p, row in built.items()):
            return wheel
    return None


def take(
    wheelhouse: Path, cache: Path | None, venv: Path | None = None, uv_cache: Path | None = None
) -> None:
    header, requirements = read_requirements(wheelhouse / "requirements.txt")
    left = []
    environment = build_environment()
    for requirement in requirements:
        entry = environment_dir(cache, environment) / requirement.key if cache is not None else None
        if entry is None or not entry.is_dir():
            built = None
            if venv is not None and uv_cache is not None:
                built = installed_build(requirement, venv, uv_cache)
            if built is None:
                left.append(requirement)
                continue
            shutil.copyfile(built, wheelhouse / built.name)
            print(f"wheel-cache: {built.name}, the build {venv} runs.", file=sys.stderr)
            continue
        try:
            wheel = matching_wheel(entry, requirement, environment)
        except (ValueError, OSError, KeyError, json.JSONDecodeError) as error:
            print(f"wheel-cache: not using {entry}: {error}; building it again.", file=sys.stderr)
            shutil.rmtree(entry, ignore_errors=True)
            left.append(requirement)
            continue
        shutil.copyfile(wheel, wheelhouse / wheel.name)
        print(f"wheel-cache: {wheel.name} from {entry} (built here before).", file=sys.stderr)
    blocks = [header, *(r.block for r in left)]
    (wheelhouse / "fetch.txt").write_text("\n".join(blocks) + "\n")


def keep(wheelhouse: Path, cache: Path | None) -> None:
    if cache is None:
        return
    _, requirements = read_requirements(wheelhouse / "requirements.txt")
    # By name and version: one package may be locked at two versions for two Pythons.
    by_release = {(r.name, r.version): r for r in requirements}
    locked = set().union(*(r.hashes for r in requirements))
    environment = build_environment()
    home = environment_dir(cache, environment)
    for wheel in sorted(wheelhouse.glob("*.whl")):
        digest = sha256(wheel)
        name, version = wheel.name.split("-")[:2]
        requirement = by_release.get((normalise(name), version))
        if requirement is None or digest in locked:
            continue  # Vínculo's own, or a wheel as the lock lists it: nothing was built
        entry = home / requirement.key
        if entry.is_dir():
            continue
        home.mkdir(parents=True, exist_ok=True)
        # Made whole beside the entry, then renamed into place: a reader never sees half of one.
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=home))
        shutil.copyfile(wheel, staging / wheel.name)
        record = {
            "requirement": f"{requirement.name}=={requirement.version}",
            "locked_hashes": sorted(requirement.hashes),
            "environment": environment,
            "wheel": wheel.name,
            "sha256": digest,
        }
        (staging / ENTRY).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        try:
            staging.rename(entry)
        except OSError:  # another wheelhouse kept the same one meanwhile
            shutil.rmtree(staging, ignore_errors=True)
        else:
            print(f"wheel-cache: kept {wheel.name} in {entry}.", file=sys.stderr)


def main(argv: list[str]) -> None:
    if len(argv) not in (3, 5) or argv[0] not in ("take", "keep"):
        sys.exit("usage: python scripts/wheel-cache.py take|keep WHEELHOUSE CACHE [VENV UV_CACHE]")
    command, wheelhouse, cache, *installed = argv
    chosen = Path(cache) if cache else None
    if command == "keep":
        keep(Path(wheelhouse), chosen)
        return
    venv, uv_cache = (Path(p) if p else None for p in installed) if installed else (None, None)
    take(Path(wheelhouse), chosen, venv, uv_cache)


if __name__ == "__main__":
    main(sys.argv[1:])
