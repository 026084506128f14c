"""Settings for Vårdförmedlingstjänsten, read from the environment (shared/CONTRACTS.md).

Embedded default (no DATABASE_URL/REDIS_URL): SQLite, eager Celery, local-memory cache.
Production: DEBUG off, a real SECRET_KEY and ALLOWED_HOSTS are required; sign-in is OIDC (the SITHS stub only with
AUTH_MODE=stub and SITHS_STUB_ALLOWED=1, else no process starts).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from vardformedling.nycklar.installningar import pkcs11_regioner

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]

if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    # Production refuses to start with a missing or weak key or no host list.
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY saknas eller är för svag (minst 50 tecken). Sätt SECRET_KEY, eller DEBUG=1 för utveckling."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS måste anges när DEBUG är av.")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "mozilla_django_oidc",
    "vardformedling",
    "katalog",
    "avtal",
    "lagesbild",
    "arenden",
    "sok",
    "uppfoljning",
    "patient",
    "ninja",  # serves Swagger UI's files for /api/v1/docs from static (no CDN, CSP-friendly)
    "api",
    "scale",  # load_demo and seed_scale: on top of every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "vardformedling.middleware.RejectNulMiddleware",
    "vardformedling.referensdata.EnBegaranMiddleware",  # one version of each reference set per request
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vardformedling.middleware.SessionMiddleware",  # Django's, saving an unchanged session once a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vardformedling.middleware.SessionLifetimeMiddleware",
    "vardformedling.middleware.ActiveCommissionMiddleware",
    # After the session, the user and the commission are read from the primary: may the page read from the replica?
    "vardformedling.dbrouter.ReplikaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vardformedling.middleware.HtmxMessagesMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vardformedling.urls"
WSGI_APPLICATION = "vardformedling.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vardformedling.context_processors.portal",
            ],
            # The one formatting rule's filters (|kr, |antal, |procent, |datum …) in every template.
            "builtins": ["vardformedling.templatetags.vf_format"],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost; the portal's reads are short, so
# the compile is the cost: the coordinator's start page (the agreement-lines panel, estimated 1.8 M) spent 1,069 ms
# of its 1,126 ms compiling, 57 ms executing. Off for every connection of the portal (primary and replica).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _pg = DATABASES["default"].setdefault("OPTIONS", {})
    _pg["options"] = f"{_pg.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Read replica (vardformedling/dbrouter.py): read-only pages read from a streaming replica of the primary. Absent
# DATABASE_REPLICA_URL: no replica, everything on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_URL and DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    # A replica that does not answer is bypassed within seconds, not after the driver's default wait.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["OPTIONS"]["options"] = "-c jit=off"  # as the primary's connections
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["vardformedling.dbrouter.ReplikaRouter"]
# Read-only pages whose GET may read from the replica, by URL name ("katalog:sok") or whole namespace ("lagesbild"),
# and the ones among them that may not (the register imports' pages).
DATABASE_REPLICA_VYER = ["katalog:sok", "katalog:enhet", "lagesbild", "uppfoljning", "api"]
DATABASE_REPLICA_UNDANTAG = [
    "lagesbild:importer",
    "lagesbild:ladda_upp",
    "lagesbild:kor_inkorgen",
    "lagesbild:uppgift_status",
]
# A replica further behind than this (seconds) is bypassed; its lag is asked at most every KONTROLL seconds per
# process. A browser that wrote reads from the primary for PIN seconds: more than the largest lag plus the check
# interval, so when the pin ends the replica holds the write (or is bypassed).
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "5"))
DATABASE_REPLICA_KONTROLL = float(os.environ.get("DATABASE_REPLICA_KONTROLL", "2"))
DATABASE_REPLICA_PIN = int(
    os.environ.get("DATABASE_REPLICA_PIN") or DATABASE_REPLICA_MAX_LAG + DATABASE_REPLICA_KONTROLL + 5
)

AUTH_USER_MODEL = "vardformedling.User"
# Safe by default: with DEBUG off the sign-in is OIDC against the SITHS IdP. The stub (sign in by choosing an HSA-id)
# is for development (DEBUG on) and for demo or test environments that say so explicitly with SITHS_STUB_ALLOWED=1.
# The refusal is here, in the settings every process loads (gunicorn's wsgi, Celery worker and beat, manage.py), so
# no process starts with the stub in production; the system check vardformedling.E001 repeats it for `check`.
AUTH_MODE = os.environ.get("AUTH_MODE", "stub" if DEBUG else "oidc").strip().lower()
if AUTH_MODE not in {"stub", "oidc"}:
    raise ImproperlyConfigured("AUTH_MODE måste vara 'stub' eller 'oidc'.")
SITHS_STUB_ALLOWED = env_bool("SITHS_STUB_ALLOWED", default=False)
STUB_VAGRAD = (
    "Inloggningsattrappen (AUTH_MODE=stub) startar inte med DEBUG av: den loggar in vem som helst som anger ett "
    "HSA-id. Använd AUTH_MODE=oidc i produktion, eller sätt SITHS_STUB_ALLOWED=1 för en demo- eller testmiljö."
)
if AUTH_MODE == "stub" and not DEBUG and not SITHS_STUB_ALLOWED:
    raise ImproperlyConfigured(STUB_VAGRAD)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "vardformedling.auth.SithsStubBackend" if AUTH_MODE == "stub" else "vardformedling.auth.SithsOIDCBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# OIDC (SITHS IdP). Values come from the environment in production.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_IDP_SIGN_KEY = os.environ.get("OIDC_RP_IDP_SIGN_KEY") or None
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT") or None
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_RP_SCOPES = "openid profile siths"
# The patient's e-legitimation IdP (issue 18, patient/oidc.py): its own client, endpoints and personnummer claim.
PATIENT_OIDC_RP_CLIENT_ID = os.environ.get("PATIENT_OIDC_RP_CLIENT_ID", "")
PATIENT_OIDC_RP_CLIENT_SECRET = os.environ.get("PATIENT_OIDC_RP_CLIENT_SECRET", "")
PATIENT_OIDC_RP_SIGN_ALGO = os.environ.get("PATIENT_OIDC_RP_SIGN_ALGO", "RS256")
PATIENT_OIDC_RP_IDP_SIGN_KEY = os.environ.get("PATIENT_OIDC_RP_IDP_SIGN_KEY") or None
PATIENT_OIDC_OP_JWKS_ENDPOINT = os.environ.get("PATIENT_OIDC_OP_JWKS_ENDPOINT") or "https://idp.invalid/jwks"
PATIENT_OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("PATIENT_OIDC_OP_AUTHORIZATION_ENDPOINT", "")
PATIENT_OIDC_OP_TOKEN_ENDPOINT = os.environ.get("PATIENT_OIDC_OP_TOKEN_ENDPOINT", "")
PATIENT_OIDC_OP_USER_ENDPOINT = os.environ.get("PATIENT_OIDC_OP_USER_ENDPOINT", "")
# The IdP's issuer (`iss` of its ID tokens, as in its discovery document): a token from any other issuer – also one
# signed under keys the IdP shares with other issuers – signs nobody in; without it no patient signs in with OIDC.
PATIENT_OIDC_OP_ISSUER = os.environ.get("PATIENT_OIDC_OP_ISSUER", "")
PATIENT_OIDC_RP_SCOPES = "openid profile"
PATIENT_OIDC_CLAIM_PERSONNUMMER = os.environ.get(
    "PATIENT_OIDC_CLAIM_PERSONNUMMER", "https://id.oidc.se/claim/personalIdentityNumber"
)
if (
    AUTH_MODE == "oidc"
    and OIDC_RP_SIGN_ALGO.startswith(("RS", "ES"))
    and not (OIDC_RP_IDP_SIGN_KEY or OIDC_OP_JWKS_ENDPOINT)
):
    OIDC_OP_JWKS_ENDPOINT = "https://idp.invalid/jwks"  # placeholder so startup works; login then fails clearly

# Sessions: server-side (database), 30 minutes idle, 10 hours absolute.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_FORNYA_SEKUNDER = 60  # an unchanged session is saved (its expiry pushed) at most this often
SESSION_ABSOLUTE_SECONDS = 10 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): 5 failures per HSA-id and IP locks for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_USERNAME_FORM_FIELD = "hsa_id"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "sv"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# STATIC_ROOT: where collectstatic writes (the image: /app/staticfiles); the deploy test collects into a temporary one.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=DEBUG)

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# Retention of delivered register files in archive/ and rejected/ (months); the import log keeps their checksums.
LAGESBILD_ARKIV_MANADER = int(os.environ.get("LAGESBILD_ARKIV_MANADER", 13))
LAGESBILD_INBOX = Path(os.environ.get("LAGESBILD_INBOX", VAR_DIR / "inbox"))
SDK_OUTBOX = Path(os.environ.get("SDK_OUTBOX", VAR_DIR / "sdk_outbox"))
RAPPORT_DIR = Path(os.environ.get("RAPPORT_DIR", VAR_DIR / "rapporter"))
# The patient's 1177 inbox notifications (arenden/inkorg1177.py): a file outbox here, a real integration's class there.
INKORG_1177_TRANSPORT = os.environ.get("INKORG_1177_TRANSPORT", "arenden.inkorg1177.FileOutboxTransport")
INKORG_1177_OUTBOX = Path(os.environ.get("INKORG_1177_OUTBOX", VAR_DIR / "inkorg_1177"))

# Region-held keys (vardformedling/nycklar/, README "Nycklar och kryptering"). `lokal`: key files in VF_NYCKLAR_DIR
# (make run); `pkcs11`: each region's keys in its own HSM token, named per region in the environment
# (PKCS11_TOKEN_<RR>, PKCS11_MODULE[_<RR>], PKCS11_PIN_<RR> or PKCS11_PIN_FIL_<RR>). The portal configures no
# region's key itself: a region without a key service named here has none.
NYCKELTJANST = os.environ.get("NYCKELTJANST", "lokal").strip().lower()
if NYCKELTJANST not in {"lokal", "pkcs11"}:
    raise ImproperlyConfigured("NYCKELTJANST måste vara 'lokal' eller 'pkcs11'.")
VF_NYCKLAR_DIR = Path(os.environ.get("VF_NYCKLAR_DIR", VAR_DIR / "nycklar"))
PKCS11_MODULE = os.environ.get("PKCS11_MODULE", "")
PKCS11_REGIONER = pkcs11_regioner(os.environ)
PKCS11_NYTT_FORSOK = float(os.environ.get("PKCS11_NYTT_FORSOK", 30))
# /api/v1/: requests per minute and token (api/auth.py); the count is kept in the shared cache.
API_ANROP_PER_MINUT = int(os.environ.get("API_ANROP_PER_MINUT", 600))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A catalogue file may deactivate at most this share of the active catalogue units without an explicit confirmation
# (upload page) or --tillat-inaktivering (import_katalog): a partial extract must not switch off the country.
KATALOG_MAX_INAKTIVERING_ANDEL = float(os.environ.get("KATALOG_MAX_INAKTIVERING_ANDEL", "0.10"))
# A finished week of a delivery plan whose offered patients differ from the plan by more than this share is
# highlighted as a deviation (issue #19 point 3, arenden/leveransplan/utfall.py).
LEVERANSPLAN_AVVIKELSE = os.environ.get("LEVERANSPLAN_AVVIKELSE", "0.20")

# E-mail (notices: volume thresholds, capacity announcements; vardformedling/notiser.py). The console backend under
# DEBUG (`make run` prints each mail); SMTP otherwise: EMAIL_HOST, EMAIL_PORT (587), EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (1), DEFAULT_FROM_EMAIL. PORTAL_URL prefixes the links in the mails.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "vardformedling@example.se")
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")

# Celery and cache: Redis when REDIS_URL is given, else eager tasks and local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "vardformedling")
# Register imports (a national delivery is millions of rows) run on a queue of their own with workers of their own,
# so they never hold up notifications, reminders and uploads on the default queue (docker-compose.yml: worker and
# worker-import; README "Running at national scale"). vardformedling/celery.py routes them.
CELERY_IMPORT_QUEUE = os.environ.get("CELERY_IMPORT_QUEUE", "import")
CELERY_IMPORT_TASKS = ["lagesbild.tasks.importera_inkorg"]
CELERY_TASK_ROUTES = ("vardformedling.celery.ko_for_uppgift",)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_EAGER_PROPAGATES = True
# A claimed register file (or an import run "pågår") older than this belongs to a dead run and is taken back by the
# next run (lagesbild/inkorg.py).
LAGESBILD_HANGANDE_EFTER = timedelta(hours=1)
# A task whose acknowledgement was lost (worker killed, Redis gone) comes back after the visibility timeout. It must
# come back after a dead import run's claimed file counts as abandoned, or the redelivered run would leave that file
# for the next night: an hour more than LAGESBILD_HANGANDE_EFTER.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int((LAGESBILD_HANGANDE_EFTER + timedelta(hours=1)).total_seconds()),
}
# Celery 6 flips this default to True: a Redis blip would then cancel a running import. Keep today's behaviour.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# With Redis down, fail within seconds (the page then says so in Swedish) instead of retrying for ~20 s.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 2}}
CELERY_BEAT_SCHEDULE = {
    # Nightly register import from LAGESBILD_INBOX (REGISTER_FILES.md), 02:30 Swedish time.
    "lagesbild-inkorg-natt": {
        "task": "lagesbild.tasks.importera_inkorg",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"startad_av": "beat"},
    },
    # Forecasts of the monthly median wait per unit × KVÅ group, after the night's register import.
    "lagesbild-prognoser": {
        "task": "lagesbild.tasks.berakna_prognoser",
        "schedule": crontab(hour=3, minute=30),
    },
    # Delivered register files older than LAGESBILD_ARKIV_MANADER are removed from archive/ and rejected/.
    "lagesbild-gallra-arkiv": {
        "task": "lagesbild.tasks.gallra_arkiv",
        "schedule": crontab(hour=4, minute=15),
    },
    # Monthly follow-up report per region (the Blekinge practice), 1st of the month 06:00.
    "uppfoljning-manadsrapport": {
        "task": "uppfoljning.tasks.skapa_manadsrapporter",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    # An idle-expired session is unusable at once (the database session backend loads no row past its expire_date)
    # but its row stays; the 10-hour limit (SessionLifetimeMiddleware) logs out and deletes the row itself. This
    # removes the expired rows every night.
    "sessioner-rensa": {
        "task": "vardformedling.tasks.rensa_sessioner",
        "schedule": crontab(hour=3, minute=45),
    },
    # Reminders for offers past their answer deadline, every morning.
    "arenden-paminnelser": {
        "task": "arenden.tasks.skapa_paminnelser",
        "schedule": crontab(hour=6, minute=15),
    },
    # Retention (issue 16): crypto-shreds the identity of closed cases past their region's retention, every night.
    "arenden-gallring": {
        "task": "arenden.tasks.gallra_identiteter",
        "schedule": crontab(hour=3, minute=15),
    },
}
# Retention of patient identity after a case is closed (arenden/services/gallring.py): months, default 24;
# GALLRING_MANADER_<RR> sets one region's period.
GALLRING_MANADER = int(os.environ.get("GALLRING_MANADER", 24))
GALLRING_MANADER_REGION = {
    k.removeprefix("GALLRING_MANADER_"): int(v)
    for k, v in os.environ.items()
    if k.startswith("GALLRING_MANADER_") and k.removeprefix("GALLRING_MANADER_").isdigit()
}

# Security headers. HTTPS settings are on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Strict CSP: no inline script or style, no eval (htmx is configured in <meta name="htmx-config">).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}


def _static_security_headers(headers, path, url):
    """WhiteNoise answers static files before the CSP and clickjacking middleware run: add their headers here."""
    from csp.utils import build_policy
    from django.conf import settings

    headers["Content-Security-Policy"] = build_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS


WHITENOISE_ADD_HEADERS_FUNCTION = _static_security_headers

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
