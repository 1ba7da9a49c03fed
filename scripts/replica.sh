#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL on this machine, for the replica router's tests:
#   scripts/replica.sh start    create (once) and start cluster "replica" on port 5433, streaming from 5432
#   scripts/replica.sh stop     stop it (the cluster stays; `start` resumes it)
#   scripts/replica.sh drop     stop and delete it
#   scripts/replica.sh status   print whether it runs and is in recovery
# Idempotent: `start` on a running, streaming replica does nothing. A replica that cannot start or is
# no longer in recovery is dropped and copied again (pg_basebackup of a small cluster takes seconds).
# Needs root or the postgres user (pg_createcluster). Adds `host replication postgres 127.0.0.1/32 trust`
# to the primary's pg_hba.conf (once) and reloads it: local connections are trusted there already.
set -euo pipefail

PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
NAME="replica"
VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -1)}"
DATA="/var/lib/postgresql/$VERSION/$NAME"
HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
AS_POSTGRES=()
[ "$(id -u)" = 0 ] && AS_POSTGRES=(runuser -u postgres --)

# A standby receiving the primary's WAL right now (one left behind by recycled WAL is in recovery, not streaming).
streaming() {
  [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -tAc \
    "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" \
    2>/dev/null)" = "t" ]
}

exists() { pg_lsclusters -h | awk -v v="$VERSION" -v n="$NAME" '$1 == v && $2 == n {found=1} END {exit !found}'; }

allow_replication() {
  local line="host replication postgres 127.0.0.1/32 trust"
  if ! grep -qxF "$line" "$HBA"; then
    # First in the file: pg_hba.conf is read top down and the first matching line decides.
    sed -i "1i $line" "$HBA"
    psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qtAc "SELECT pg_reload_conf()" >/dev/null
  fi
}

create() {
  allow_replication
  pg_createcluster "$VERSION" "$NAME" --port "$REPLICA_PORT" >/dev/null
  # The replica admits whom the primary admits (trust for local connections on a CI machine).
  install -o postgres -g postgres -m 640 "$HBA" "/etc/postgresql/$VERSION/$NAME/pg_hba.conf"
  # The new cluster's own files give way to a copy of the primary; -R writes standby.signal and
  # primary_conninfo, -X stream copies the WAL written meanwhile.
  rm -rf "${DATA:?}"/*
  "${AS_POSTGRES[@]}" pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
}

start_and_wait() {
  # Already running (but not streaming yet) is fine: wait for it like for a fresh start.
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start >/dev/null 2>&1 || true
  for _ in $(seq 60); do
    streaming && return 0
    sleep 0.5
  done
  return 1
}

case "${1:-}" in
  start)
    streaming && { echo "replica on port $REPLICA_PORT: streaming"; exit 0; }
    if exists && ! start_and_wait; then
      echo "the replica cluster does not start or does not stream: copying it again" >&2
      pg_dropcluster --stop "$VERSION" "$NAME"
    fi
    if ! exists; then
      create
      start_and_wait || { echo "the replica did not start" >&2; exit 1; }
    fi
    echo "replica on port $REPLICA_PORT: streaming"
    ;;
  stop)
    exists && pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" stop -m fast 2>/dev/null || true
    ;;
  drop)
    exists && pg_dropcluster --stop "$VERSION" "$NAME" || true
    ;;
  status)
    if streaming; then echo "replica on port $REPLICA_PORT: streaming"; else echo "replica: not running"; exit 1; fi
    ;;
  *)
    echo "usage: $0 start|stop|drop|status" >&2
    exit 2
    ;;
esac
