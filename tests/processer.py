"""Helpers for tests that start processes of their own (gunicorn, manage.py, Celery workers, servers) or run work in
threads at the same time."""

import socket
import threading
from urllib.parse import quote

from django.db import close_old_connections, connection


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db: dict) -> str:
    """DATABASE_URL for a child process using the test database `db` (a connection's settings_dict), password kept."""
    auth = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{quote(db['NAME'], safe='')}"


def samtidigt(*funktioner) -> list:
    """Runs the functions in threads (each with its own connection) started together; their results or errors."""
    start = threading.Barrier(len(funktioner))
    ut: list = [None] * len(funktioner)

    def kor(i, funktion):
        try:
            start.wait()
            ut[i] = funktion()
        except Exception as exc:  # the test looks at what each side got
            ut[i] = exc
        finally:
            connection.close()

    tradar = [threading.Thread(target=kor, args=(i, f)) for i, f in enumerate(funktioner)]
    for trad in tradar:
        trad.start()
    for trad in tradar:
        trad.join(120)
    close_old_connections()
    return ut
