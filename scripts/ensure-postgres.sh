#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a database `test` that a
# user can reach without a password, then print the SQLAlchemy URL for it on stdout
# (the only thing this script prints on stdout; progress goes to stderr).
#
#   1. If a server already answers there (pg_isready), use it.
#   2. Otherwise install Debian's `postgresql` (apt-get; sudo when not root) and start a
#      cluster: Debian's own cluster on that port if the package made one (with trust auth
#      for loopback added to its pg_hba.conf), else one of our own with initdb + pg_ctl in
#      var/postgres (trust auth, TCP only).
#   3. Find a user that connects without a password (postgres, then root, then you), create
#      database `test` if missing, and print
#      postgresql+psycopg://USER@127.0.0.1:5432/test
#
# Environment: VINCULO_PG_HOST (default 127.0.0.1), VINCULO_PG_PORT (default 5432),
# VINCULO_PG_DB (default test).
set -euo pipefail

HOST="${VINCULO_PG_HOST:-127.0.0.1}"
PORT="${VINCULO_PG_PORT:-5432}"
DB="${VINCULO_PG_DB:-test}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OWN_DATA="$REPO/var/postgres"
MARK="# vinculo scripts/ensure-postgres.sh: trust loopback for tests"

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

apt_install() {
    log "installing Debian packages: $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@" >&2
}

pg_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && printf '%s\n' "$dir"
}

ready() { pg_isready -q -h "$HOST" -p "$PORT" -t 3 >/dev/null 2>&1; }

wait_ready() {
    local i
    for i in $(seq 1 60); do
        ready && return 0
        sleep 0.5
    done
    return 1
}

# psql as USER over TCP, never prompting for a password.
q() {
    local user="$1" db="$2" sql="$3"
    PGCONNECT_TIMEOUT=5 psql -X -w -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" \
        -U "$user" -d "$db" -tAc "$sql"
}

working_user() {
    local u
    for u in postgres root "$(id -un)"; do
        if q "$u" postgres 'select 1' >/dev/null 2>&1 \
            || q "$u" template1 'select 1' >/dev/null 2>&1; then
            printf '%s\n' "$u"
            return 0
        fi
    done
    return 1
}

# The Debian cluster (version and name) configured on $PORT, if any.
debian_cluster() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" '$3 == p { print $1, $2; exit }' | grep .
}

trust_loopback_in() {
    local hba="$1"
    if "${SUDO[@]}" grep -qF "$MARK" "$hba"; then
        return 0
    fi
    log "adding trust for loopback connections to $hba"
    "${SUDO[@]}" sed -i "1i $MARK\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust" "$hba"
}

start_debian_cluster() {
    local ver="$1" name="$2"
    trust_loopback_in "/etc/postgresql/$ver/$name/pg_hba.conf"
    if pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1 == v && $2 == n { print $4 }' \
        | grep -q online; then
        log "reloading Debian cluster $ver/$name"
        "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload >&2
    else
        log "starting Debian cluster $ver/$name on port $PORT"
        "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2
    fi
}

start_own_cluster() {
    local bin="$1" as=()
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null || die "user postgres is missing; initdb will not run as root."
        as=(runuser -u postgres --)
    fi
    mkdir -p "$OWN_DATA"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$OWN_DATA"
    fi
    chmod 700 "$OWN_DATA"
    if ! "${as[@]}" test -w "$OWN_DATA"; then
        die "$OWN_DATA is not reachable by the postgres user (a parent folder is private?)."
    fi
    if [ ! -f "$OWN_DATA/PG_VERSION" ]; then
        log "initdb into $OWN_DATA (trust auth)"
        "${as[@]}" "$bin/initdb" -D "$OWN_DATA" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 >&2 || "${as[@]}" "$bin/initdb" -D "$OWN_DATA" -U postgres \
            --auth=trust -E UTF8 --no-locale >&2
    fi
    log "starting own cluster in $OWN_DATA on $HOST:$PORT"
    "${as[@]}" "$bin/pg_ctl" -D "$OWN_DATA" -l "$OWN_DATA/server.log" -w -t 60 start \
        -o "-h $HOST -p $PORT -c unix_socket_directories=''" >&2 \
        || die "the server did not start; see $OWN_DATA/server.log"
}

# --- 1. Is a server there already? -------------------------------------------------------
command -v pg_isready >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 \
    || apt_install postgresql-client

if ready; then
    log "a server answers on $HOST:$PORT"
else
    # --- 2. Install and start one ----------------------------------------------------------
    bin="$(pg_bindir || true)"
    if [ -z "$bin" ]; then
        apt_install postgresql
        bin="$(pg_bindir || true)"
        [ -n "$bin" ] || die "Debian's postgresql installed, but no initdb under /usr/lib/postgresql."
    fi
    if ready; then
        # The package started its own cluster while installing.
        log "the package's cluster answers on $HOST:$PORT"
        if cluster="$(debian_cluster)"; then
            # shellcheck disable=SC2086
            start_debian_cluster $cluster
        fi
    elif cluster="$(debian_cluster)"; then
        # shellcheck disable=SC2086
        start_debian_cluster $cluster
    else
        start_own_cluster "$bin"
    fi
    wait_ready || die "no server answers on $HOST:$PORT after starting one."
fi

# --- 3. A user, a database, a URL -------------------------------------------------------
user="$(working_user || true)"
if [ -z "$user" ]; then
    die "a server answers on $HOST:$PORT but neither postgres, root nor $(id -un) may connect \
without a password. Add 'host all all 127.0.0.1/32 trust' to its pg_hba.conf, or set \
VINCULO_TEST_POSTGRES_URL yourself to a database the tests may use."
fi
db_exists="$(q "$user" postgres "select 1 from pg_database where datname = '$DB'" 2>/dev/null \
    || q "$user" template1 "select 1 from pg_database where datname = '$DB'")"
if [ "$db_exists" != "1" ]; then
    log "creating database $DB"
    q "$user" template1 "create database \"$DB\"" >/dev/null
fi
q "$user" "$DB" 'select 1' >/dev/null || die "cannot connect to database $DB as $user."
log "using database $DB as user $user on $HOST:$PORT"
printf 'postgresql+psycopg://%s@%s:%s/%s\n' "$user" "$HOST" "$PORT" "$DB"
