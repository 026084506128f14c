#!/bin/bash
# Entrypoint of the read replica (docker-compose.yml, service db-replica): on first start, copies the primary with
# pg_basebackup -R (streaming replication through the physical slot "replika", so the primary keeps the WAL the
# replica has not yet received while it is down); then runs PostgreSQL as a hot standby. The portal reads
# read-only pages from it through DATABASE_REPLICA_URL (vardformedling/dbrouter.py). Runs as the postgres user;
# tests/faults/test_read_replica.py runs it against a private primary.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMAR_HOST:=db}"
: "${PRIMAR_PORT:=5432}"
: "${REPLIKERING_USER:?set REPLIKERING_USER (a role with REPLICATION on the primary)}"
: "${PGPASSWORD:?set PGPASSWORD (the password of the replication role)}"
export PGPASSWORD

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMAR_HOST" -p "$PRIMAR_PORT" -U "$REPLIKERING_USER"; do
    echo "replika: väntar på primären $PRIMAR_HOST …"
    sleep 2
  done
  psql -h "$PRIMAR_HOST" -p "$PRIMAR_PORT" -U "$REPLIKERING_USER" -d postgres -Atqc \
    "SELECT pg_create_physical_replication_slot('replika') WHERE NOT EXISTS
       (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'replika')" >/dev/null
  rm -rf "${PGDATA:?}"/*
  pg_basebackup -h "$PRIMAR_HOST" -p "$PRIMAR_PORT" -U "$REPLIKERING_USER" -D "$PGDATA" -R -X stream -S replika --checkpoint=fast
  chmod 700 "$PGDATA"
  echo "replika: kopian av primären är klar"
fi
exec postgres -c hot_standby=on "$@"  # further settings from the command line
