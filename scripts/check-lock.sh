#!/usr/bin/env bash
# Refuse a lock in which a test-only package holds a runtime package back: the runtime
# packages of uv.lock (resolved with the dev extra) must have the versions they get when the
# runtime is resolved alone, today, from pyproject.toml. Needs the package index.
#
#   scripts/check-lock.sh UV
set -euo pipefail
UV="${1:-uv}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

versions() { grep -E '^[A-Za-z0-9_.-]+==' "$1" | sed -E 's/ *;.*//; s/ *\\$//' | sort -u; }

"$UV" export --frozen --quiet --no-dev --no-emit-project --no-hashes --format requirements-txt \
    -o "$tmp/locked.txt"
"$UV" pip compile pyproject.toml --quiet --universal --no-header --no-annotate \
    -o "$tmp/alone.txt"
versions "$tmp/locked.txt" > "$tmp/a"
versions "$tmp/alone.txt" > "$tmp/b"
if ! diff -u "$tmp/b" "$tmp/a" > "$tmp/diff"; then
    echo "check-lock: these runtime packages differ between the runtime resolved alone (-) and uv.lock (+):" >&2
    grep -E '^[-+][A-Za-z]' "$tmp/diff" >&2
    exit 1
fi
echo "check-lock: $(wc -l < "$tmp/a") runtime packages, each at the version the runtime gets alone."
