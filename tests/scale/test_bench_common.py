"""bench/_common.py creates the benchmark database through the server's `postgres` database with the same
credentials as DATABASE_URL, password included, and times a page's SQL alone without keeping its writes."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def conninfo(url: str) -> str:
    # In a subprocess: bench/_common.py sets the benchmarks' environment when it is imported.
    code = "import sys; sys.path.insert(0, 'bench'); import _common; print(_common.underhallsdsn(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", code, url], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_maintenance_connection_keeps_the_password_of_database_url():
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo("postgres://bench:hemligt%20o%27ord@db.example:5433/vf_bench"))
    assert params == {
        "host": "db.example",
        "port": "5433",
        "user": "bench",
        "password": "hemligt o'ord",
        "dbname": "postgres",
    }


def test_without_a_password_none_is_sent():
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo("postgres://postgres@127.0.0.1:5432/vf_bench"))
    assert "password" not in params and params["user"] == "postgres" and params["dbname"] == "postgres"


@pytest.mark.django_db
def test_sql_alone_replays_a_requests_statements_and_keeps_none_of_their_writes():
    """`make bench` divides each page's time by the time of its SQL alone: the captured statements run again by
    themselves on the same connection, inside a transaction that is rolled back (access-log rows, sessions)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _common import Fragerakning, sql_tid_ms
    from django.db import connection

    from katalog.models import KvaGrupp

    raknare = Fragerakning()
    with connection.execute_wrapper(raknare):
        KvaGrupp.objects.create(kod="ZZX", benamning="Replay")
        assert KvaGrupp.objects.filter(kod__startswith="C").count() > 0
    assert raknare.antal == 2
    KvaGrupp.objects.filter(kod="ZZX").delete()

    ms = sql_tid_ms(raknare.fragor)

    assert ms > 0
    assert not KvaGrupp.objects.filter(kod="ZZX").exists()  # the replayed INSERT was rolled back
