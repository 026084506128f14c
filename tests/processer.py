"""Helpers for tests that start processes of their own (gunicorn, manage.py, Celery workers, servers)."""

import socket
from urllib.parse import quote


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db: dict) -> str:
    """DATABASE_URL for a child process using the test database `db` (a connection's settings_dict), password kept."""
    auth = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{quote(db['NAME'], safe='')}"
