"""Settings for the test suite: production-like (DEBUG off) on PostgreSQL and Redis, Celery eager by default."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-" + "k3y-for-the-test-suite-only-" * 3)
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("AUTH_MODE", "stub")  # the demo identities sign in by HSA-id; production defaults to oidc
os.environ.setdefault("SITHS_STUB_ALLOWED", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vardformedling")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
# Region keys in SoftHSM tokens, one per region, made by tests/conftest.py (the `lokal` backend has its own tests).
os.environ.setdefault("NYCKELTJANST", "pkcs11")
os.environ.setdefault("PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")

from vardformedling.settings import *  # noqa: F403

# Unit tests run tasks in-process; the worker tests switch this off for a real worker.
CELERY_TASK_ALWAYS_EAGER = True
# Tests use their own temporary folders for the inbox, the SDK outbox and reports (see conftest.py).
# Django empties every table with TRUNCATE after a transactional test; the access log refuses TRUNCATE unless the
# session says so (arenden/migrations/0004_atkomstlogg_truncate.py). Only the test suite's connections do.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c vardformedling.tillat_truncate=on".strip()
