"""bench/_common.py creates the benchmark database through the server's `postgres` database with the same
credentials as DATABASE_URL, password included."""

import subprocess
import sys
from pathlib import Path

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
