"""gunicorn settings shared by the production image (Dockerfile CMD, docker-compose.yml's web service) and the load
test (bench/load/run.py): `gunicorn -c gunicorn_conf.py vardformedling.wsgi:application`.

Every value can be overridden by the environment variable read beside it; options given on the command line win
over this file. X-Forwarded-* trust is gunicorn's own FORWARDED_ALLOW_IPS variable (docker-compose.yml sets it).
"""

import os


def cpu_count() -> int:
    """The CPUs this process may run on (a container's cpuset where the OS tells; else every CPU)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """2 sync workers per core, as README's production stack says. A container limited by a CPU quota
    (`--cpus`) still sees all the host's cores here: set GUNICORN_WORKERS then."""
    return 2 * cpu_count()


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or default_workers())
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
# The access log goes to stdout (the container's log); GUNICORN_ACCESS_LOG="" turns it off (the load test).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
