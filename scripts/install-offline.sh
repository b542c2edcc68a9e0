#!/bin/sh
# Install Vínculo from this wheelhouse on a machine without network, into the virtualenv DIR
# (made if missing). Needs the same Python minor version and processor as the machine that
# made the wheelhouse (`make wheelhouse`); pip checks every wheel against the lock's hashes.
#
#   sh wheelhouse/install.sh /opt/vinculo
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:?usage: sh install.sh DIR (the virtualenv to install into)}"
PYTHON="${PYTHON:-python3}"
fail() { echo "install.sh: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || fail "'$PYTHON' not found; Vínculo needs Python 3.11 or newer (set PYTHON=…)."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "'$PYTHON' is $("$PYTHON" --version 2>&1); Vínculo needs Python 3.11 or newer."
[ -x "$DIR/bin/python" ] || "$PYTHON" -m venv "$DIR" \
    || fail "'$PYTHON -m venv $DIR' failed; install python3-venv."
"$DIR/bin/python" -m pip install --disable-pip-version-check -q --no-index \
    --find-links "$HERE" --require-hashes -r "$HERE/requirements.txt" \
    || fail "a locked wheel is missing or does not match its hash; make the wheelhouse again on a machine with the same Python ($("$PYTHON" --version 2>&1))."
"$DIR/bin/python" -m pip install --disable-pip-version-check -q --no-index --no-deps "$HERE"/vinculo-*.whl \
    || fail "Vínculo's own wheel did not install."
echo "Installed: $DIR/bin/vinculo. Start the demo: $DIR/bin/vinculo demo"
