"""Fail fast, with a helpful message, when PostgreSQL or Redis is not reachable (used by `make test`)."""

import os
import sys

import psycopg
import redis

DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vardformedling")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

problems = []
try:
    # Connect to the maintenance database: the test database is created by the test run itself.
    dsn = DB.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(dsn, connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception as exc:
    problems.append(
        f"PostgreSQL svarar inte på {DB.split('@')[-1]} ({exc.__class__.__name__}).\n"
        "  Starta den: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
        "  eller ange DATABASE_URL=postgres://user@host:port/dbnamn"
    )
try:
    redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
except Exception as exc:
    problems.append(
        f"Redis svarar inte på {REDIS} ({exc.__class__.__name__}).\n"
        '  Starta den: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "  eller ange REDIS_URL=redis://host:port/0"
    )
if problems:
    print("Testerna kräver PostgreSQL och Redis:\n" + "\n".join(problems), file=sys.stderr)
    sys.exit(2)
print("PostgreSQL och Redis svarar.")
