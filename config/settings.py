"""Settings for Lokalkapital, read from the environment (see .env.example).

Defaults are for local development only. With DJANGO_ENV=production there is no
default secret key, so a missing one stops start-up.
"""

import os
import sys
from pathlib import Path
from typing import Any

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("LOKALKAPITAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise environ.ImproperlyConfigured("DJANGO_ENV must be development, production or test")
IS_PRODUCTION = DJANGO_ENV == "production"

if IS_PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without one
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)

DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "config.admin.OTPAdminConfig",  # django.contrib.admin behind a verified second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "communities",
    "invest",
    "pools",
    "operations",
    "api",
    "web",
    "workers",
    "demo",
    "treasury",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The community chosen in the header narrows treasury and organiser pages (communities/middleware.py).
    "communities.middleware.WorkingCommunityMiddleware",
    # Power holders' sessions end after POWER_SESSION_IDLE_MINUTES idle (accounts/sessions.py).
    "accounts.sessions.PowerSessionIdleMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "treasury.middleware.AuditActorMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # Cache-Control: no-store on every response with personal data or money records (accounts/privacy.py).
    "accounts.privacy.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a lockout flagged during authenticate() into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context.working_community",
            ],
            "builtins": ["web.templatetags.money"],
        },
    }
]

# Database: an SQLite file by default, DATABASE_URL for PostgreSQL.
_IS_CELERY = any(Path(arg).name in {"celery", "__main__.py"} and "celery" in arg for arg in sys.argv[:1])
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lokalkapital.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # The totals indexes carry INCLUDE columns for PostgreSQL's index-only reconciliation; SQLite builds
    # them on their key columns alone, which is all it needs (pools/models.py).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif env.bool("DATABASE_POOL", default=not _IS_CELERY):
    # A bounded psycopg pool per web process (Django 5.2): a burst of requests (threads) waits up to
    # DATABASE_POOL_TIMEOUT seconds for one of DATABASE_POOL_MAX_SIZE connections instead of opening
    # one each and running PostgreSQL out of connections. Pooling replaces persistent connections.
    # Celery's prefork children keep plain connections: a pool's threads do not survive a fork.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=20),
        }
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of the primary (PostgreSQL only), read by reports and exports alone
# (operations/replica.py): normal requests read the primary and see their own writes.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_CONNECT_TIMEOUT = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)


def replica_database(url: str, default: dict[str, Any], *, connect_timeout: int) -> dict[str, Any]:
    """The replica's DATABASES entry: the primary's connection settings (pool or persistent connections)
    at the replica's address, failing within `connect_timeout` seconds so a dead replica costs little."""
    replica: dict[str, Any] = environ.Env.db_url_config(url)
    for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if key in default:
            replica[key] = default[key]
    replica["OPTIONS"] = {**default.get("OPTIONS", {}), "connect_timeout": connect_timeout}
    if "pool" in replica["OPTIONS"]:
        replica["OPTIONS"]["pool"] = {**replica["OPTIONS"]["pool"], "timeout": connect_timeout}
    # Tests: no test database is created on the replica; it reads the primary's (its NAME) where it streams it.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


if DATABASE_REPLICA_URL and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["replica"] = replica_database(
        DATABASE_REPLICA_URL, DATABASES["default"], connect_timeout=DATABASE_REPLICA_CONNECT_TIMEOUT
    )
DATABASE_ROUTERS = ["operations.replica.ReplicaRouter"]
# Reports read the primary instead when the replica has replayed less than the primary had written this
# many seconds ago (the page says which it read and how far behind the replica was).
REPORT_REPLICA_MAX_LAG_SECONDS = env.int("REPORT_REPLICA_MAX_LAG_SECONDS", default=300)
# Rendered pool cards and My pledges rows kept per web process, keyed by what they show (web/fragments.py).
FRAGMENT_CACHE_SIZE = env.int("FRAGMENT_CACHE_SIZE", default=4096)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out credentials before any password is checked (django-axes).
    "accounts.backends.LockoutBackend",
    "accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if DJANGO_ENV == "test":
    # Tests create hundreds of users: a fast hash there; real ones use Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Language and time: Swedish first, English second; Europe/Stockholm.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
# The SQLite file, the demo broker and static files live under var/; make sure it exists.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # The same storages as whitenoise's and Django's own, keeping each file's URL (web/storage.py).
            "web.storage.KeptUrlManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "web.storage.KeptUrlStaticFilesStorage"
        )
    },
}

# Broker and cache: Redis when REDIS_URL is set; otherwise a broker that needs no
# server and works across processes on one machine (kombu's filesystem transport).
REDIS_URL = env.str("REDIS_URL", default="")
if (
    REDIS_URL
    and DJANGO_ENV == "test"
    and os.environ.get("PYTEST_XDIST_WORKER", "")
    and not os.environ.get("LOKALKAPITAL_REDIS_PER_WORKER_SET")
):
    # Read from os.environ, not env: these are set by pytest-xdist and by this block, never by
    # an operator, so they are not settings and stay out of .env.example.
    # Parallel test processes each get their own Redis database: one process's cache.clear()
    # (a FLUSHDB) must not reset another's rate-limit counters mid-test.
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)
    _base = int(_parts.path.strip("/") or 0)
    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0)
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{(_base + 1 + _worker) % 16}"))
    # A worker process a test starts inherits the environment: it must not shift again.
    os.environ["LOKALKAPITAL_REDIS_PER_WORKER_SET"] = "1"
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        # A dead broker fails fast instead of hanging a request.
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "max_retries": 1,
        "visibility_timeout": 3600,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif DJANGO_ENV == "test":
    # Unit tests publish to an in-process broker nobody consumes; integration tests set REDIS_URL.
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    # A file cache is shared by web, worker and beat (a per-process cache would not be).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up fast when the broker is down; the outbox keeps the work.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Two queues: "celery" (the default: mail, reminders, totals, the outbox, heartbeats: short jobs) and
# "heavy" (bank-file imports with their matching, the nightly reconciliation, statement and report builds:
# minutes of CPU and database work each), so workers for each scale apart and a long import never holds
# up a receipt. A worker started without -Q consumes both (every queue listed here); in production one
# group of workers runs `-Q celery`, another `-Q heavy` (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
HEAVY_QUEUE = "heavy"
# Each queue bound by its own routing key. Celery publishes a routed task straight to its queue, but left out,
# both queues would be bound by "celery" on the exchange, and a message sent through it would reach both.
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE, routing_key=CELERY_TASK_DEFAULT_QUEUE),
    Queue(HEAVY_QUEUE, routing_key=HEAVY_QUEUE),
]
CELERY_TASK_ROUTES = {
    "workers.treasury.process_bank_file": {"queue": HEAVY_QUEUE},
    "workers.totals.reconcile_pool_totals": {"queue": HEAVY_QUEUE},
    "workers.statements.send_yearly_statements": {"queue": HEAVY_QUEUE},
    "workers.reports.*": {"queue": HEAVY_QUEUE},  # report builds and exports run as tasks
}

# Outbox relay and worker heartbeat (seconds).
OUTBOX_RELAY_INTERVAL = env.int("OUTBOX_RELAY_INTERVAL", default=10)
WORKER_HEARTBEAT_INTERVAL = env.int("WORKER_HEARTBEAT_INTERVAL", default=30)

# Mail: the console in development, an SMTP URL in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if not IS_PRODUCTION else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Lokalkapital <noreply@lokalkapital.local>")

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Both refuse treasurers and organisers without two-factor verification (api/authentication.py).
        # Token first: its WWW-Authenticate header makes a failed login a 401, not a 403.
        "api.authentication.TwoFactorTokenAuthentication",
        "api.authentication.TwoFactorSessionAuthentication",
    ],
    # Only views with a throttle_scope are throttled; rates below, counted in the shared default cache.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.SafeScopedRateThrottle"],
    # Client address for throttling: REMOTE_ADDR unless this many trusted proxies add X-Forwarded-For
    # (left at None, DRF would trust a client-sent X-Forwarded-For and throttles could be dodged).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("API_THROTTLE_LOGIN", default="10/min"),
        "pledge_create": env.str("API_THROTTLE_PLEDGE_CREATE", default="30/min"),
        "write": env.str("API_THROTTLE_WRITE", default="120/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    # django-filter's backend, skipping the FilterSet when no filter is asked for (api/filters.py).
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # JSON with bounded nesting and numbers, no NaN or duplicate keys (api/parsers.py); forms as before.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Lokalkapital API",
    "DESCRIPTION": "Pledges, pools, projects and payments for local capital. Amounts are decimal strings in kronor.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # No call to validator.swagger.io: the docs page loads nothing from outside.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.drop_database_ranges",  # the same schema from SQLite and PostgreSQL
    ],
}

# Production hardening: `manage.py check --deploy --fail-level WARNING` passes.
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content security policy (django-csp): our own origin only, no inline scripts or styles.
from csp.constants import NONE, SELF  # noqa: E402  (kept next to the policy it builds)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login lockout (django-axes): 5 failures for one email from one address lock it for 15 minutes.
# Counts the page login (/login/) and the token endpoint (both call authenticate() with the request).
from datetime import timedelta  # noqa: E402

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# The address axes counts: REMOTE_ADDR only, unless trusted proxies are declared (a client-sent
# X-Forwarded-For would otherwise let an attacker rotate addresses and never be locked out).
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)

# Two-factor (django-otp TOTP): treasurers and organisers must verify a code after logging in.
OTP_TOTP_ISSUER = "Lokalkapital"
TWO_FACTOR_ROLES = ["treasurer", "organiser"]

# bench/api.py mounts its baseline views under /bench/ with this; never on a real site.
BENCH_VIEWS = env.bool("LOKALKAPITAL_BENCH", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if DJANGO_ENV == "test":
    # Fast hashing keeps the suite quick; never used outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Pools and pledges both have `kind` and `status`: give each choice set its own name in the API schema.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PledgeKindEnum": "pools.models.PledgeKind",
        "PledgeStatusEnum": "pools.models.PledgeStatus",
        "PoolKindEnum": "pools.models.PoolKind",
        "PoolStatusEnum": "pools.models.PoolStatus",
    }
)

# Investment fairs: follow-up reminders (how often, how many) and fair pools.
FAIRS_REMINDER_INTERVAL_DAYS = env.int("FAIRS_REMINDER_INTERVAL_DAYS", default=7)
FAIRS_MAX_REMINDERS = env.int("FAIRS_MAX_REMINDERS", default=2)
FAIRS_REMINDER_SWEEP_MINUTES = env.int("FAIRS_REMINDER_SWEEP_MINUTES", default=60)
FAIRS_POOL_OPEN_DAYS = env.int("FAIRS_POOL_OPEN_DAYS", default=60)
FAIRS_DEFAULT_PITCH_TARGET_ORE = env.int("FAIRS_DEFAULT_PITCH_TARGET_ORE", default=10_000_000)
# Phone cards through the API, per client address (a hall may share one address).
REST_FRAMEWORK.setdefault("DEFAULT_THROTTLE_RATES", {})["fair_cards"] = env.str(
    "FAIRS_CARD_THROTTLE", default="600/min"
)
# Fairs: name the API's fair enums (a card's subset of pledge kinds, fair and pitch status).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "FairCardKindEnum": "invest.fairs.services.CARD_KINDS",
        "FairStatusEnum": "invest.fairs.models.FairStatus",
        "PitchStatusEnum": "invest.fairs.models.PitchStatus",
    }
)
# Workers: pool totals, reminders, closing pools. Times in Europe/Stockholm; intervals in seconds.
TOTALS_RECONCILE_HOUR = env.int("TOTALS_RECONCILE_HOUR", default=3)
TOTALS_RECONCILE_BATCH_SIZE = env.int("TOTALS_RECONCILE_BATCH_SIZE", default=10000)
TOTALS_RECONCILE_MAX_LISTED = env.int("TOTALS_RECONCILE_MAX_LISTED", default=500)
TOTALS_RECONCILE_WORK_MEM = env.str("TOTALS_RECONCILE_WORK_MEM", default="64MB")  # PostgreSQL, per batch
POOL_CLOSE_INTERVAL = env.int("POOL_CLOSE_INTERVAL", default=900)
REMINDER_PLAN_INTERVAL = env.int("REMINDER_PLAN_INTERVAL", default=3600)
REMINDER_SEND_INTERVAL = env.int("REMINDER_SEND_INTERVAL", default=60)
REMINDER_SEND_HOUR = env.int("REMINDER_SEND_HOUR", default=9)
REMINDER_MONTHLY_DAYS_BEFORE = env.int("REMINDER_MONTHLY_DAYS_BEFORE", default=3)  # banking days
REMINDER_PAYMENT_MISSING_AFTER_DAYS = env.int("REMINDER_PAYMENT_MISSING_AFTER_DAYS", default=3)
REMINDER_PAYMENT_MISSING_EVERY_DAYS = env.int("REMINDER_PAYMENT_MISSING_EVERY_DAYS", default=7)
REMINDER_PAYMENT_MISSING_MAX = env.int("REMINDER_PAYMENT_MISSING_MAX", default=3)
REMINDER_FAIR_UNCONFIRMED_AFTER_DAYS = env.int("REMINDER_FAIR_UNCONFIRMED_AFTER_DAYS", default=2)
REMINDER_POOL_CLOSING_DAYS_BEFORE = env.int("REMINDER_POOL_CLOSING_DAYS_BEFORE", default=3)  # banking days
REMINDER_TERM_ENDING_DAYS_BEFORE = env.int("REMINDER_TERM_ENDING_DAYS_BEFORE", default=14)
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=50)
REMINDER_MAX_BATCHES_PER_RUN = env.int("REMINDER_MAX_BATCHES_PER_RUN", default=20)
REMINDER_SENDING_STALE_SECONDS = env.int("REMINDER_SENDING_STALE_SECONDS", default=900)
# Every outgoing mail (operations/mail.py): attempts, exponential backoff, the sweep that retries due ones.
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=5)
MAIL_RETRY_BACKOFF_SECONDS = env.int("MAIL_RETRY_BACKOFF_SECONDS", default=300)
MAIL_RETRY_BACKOFF_MAX_SECONDS = env.int("MAIL_RETRY_BACKOFF_MAX_SECONDS", default=6 * 3600)
MAIL_SENDING_STALE_SECONDS = env.int("MAIL_SENDING_STALE_SECONDS", default=900)
MAIL_SWEEP_INTERVAL = env.int("MAIL_SWEEP_INTERVAL", default=60)
MAIL_SWEEP_BATCH_SIZE = env.int("MAIL_SWEEP_BATCH_SIZE", default=200)
JOB_RUN_KEEP_DAYS = env.int("JOB_RUN_KEEP_DAYS", default=30)
# A mail backend by dotted path overrides EMAIL_URL's (tests use a slow file backend to kill a worker mid-batch).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=EMAIL_CONFIG.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Treasury: bank files with more payments than this are imported by a worker, with progress shown.
TREASURY_WORKER_THRESHOLD = env.int("TREASURY_WORKER_THRESHOLD", default=500)
TREASURY_MAX_UPLOAD_BYTES = env.int("TREASURY_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Seeds of the first community (communities/defaults.py, the first_community migration, a fresh database):
# each community now holds its own payout (pain.001 debtor) account, BIC and Swish number.
# The account refunds and payouts are paid from (pain.001 debtor).
TREASURY_DEBTOR_NAME = env.str("TREASURY_DEBTOR_NAME", default="Lokalkapital ekonomisk förening")
TREASURY_DEBTOR_BANKGIRO = env.str("TREASURY_DEBTOR_BANKGIRO", default="5050-1055")
TREASURY_DEBTOR_BIC = env.str("TREASURY_DEBTOR_BIC", default="SWEDSESS")
# The association's Swish number (123 and seven digits), used for "Pay with Swish" when a pool's project or
# fund has none of its own; empty turns Swish off for those pools.
ASSOCIATION_SWISH_NUMBER = env.str("ASSOCIATION_SWISH_NUMBER", default="")
# A pledge with no due date is due this many days after it was made (arrears in treasurer reports).
TREASURY_PAYMENT_TERM_DAYS = env.int("TREASURY_PAYMENT_TERM_DAYS", default=30)
# PostgreSQL work_mem for one report statement (its transaction only): room for the per-pool and per-saver sums.
TREASURY_REPORT_WORK_MEM = env.str("TREASURY_REPORT_WORK_MEM", default="64MB")
# Report pages: a report with more rows than this offers its CSV, Excel and PDF as files a worker prepares on the
# heavy queue (workers.reports) instead of a direct download built inside the request; smaller ones download directly.
TREASURY_REPORT_DIRECT_MAX_ROWS = env.int("TREASURY_REPORT_DIRECT_MAX_ROWS", default=20_000)
# Prepared report files are kept this many days, then removed with their rows (beat, hourly).
TREASURY_REPORT_BUILD_KEEP_DAYS = env.int("TREASURY_REPORT_BUILD_KEEP_DAYS", default=7)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["PayoutKindEnum"] = "treasury.models.PayoutKind"
# Report files have a `format` field too: both enums keep stable names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ReportFormatEnum"] = "treasury.models.ReportFormat"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["FormatEnum"] = "treasury.models.BankFileFormat"

# Security: limits against spraying, enumeration, hijacked refund accounts and implausible pledges.
# Failed logins from one address over all emails within AXES_COOLOFF_TIME before it is refused (429).
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
# Password-reset requests per client address and window; more are answered the same but send nothing.
PASSWORD_RESET_PER_ADDRESS_LIMIT = env.int("PASSWORD_RESET_PER_ADDRESS_LIMIT", default=5)
PASSWORD_RESET_PER_ADDRESS_SECONDS = env.int("PASSWORD_RESET_PER_ADDRESS_SECONDS", default=3600)
# The most one pledge may be, per pool kind, in öre (pools/limits.py); "default" for kinds not named.
POOL_MAX_PLEDGE_ORE = {
    "support_saving": env.int("POOL_MAX_PLEDGE_SUPPORT_SAVING_ORE", default=2_000_000_00),  # 2 000 000 kr
    "share_offer": env.int("POOL_MAX_PLEDGE_SHARE_OFFER_ORE", default=1_000_000_00),
    "fund_capital": env.int("POOL_MAX_PLEDGE_FUND_CAPITAL_ORE", default=1_000_000_00),
    "fair": env.int("POOL_MAX_PLEDGE_FAIR_ORE", default=500_000_00),
    "default": env.int("POOL_MAX_PLEDGE_DEFAULT_ORE", default=1_000_000_00),
}
# Refunds to an account changed within this many days need a treasurer's explicit confirmation.
REFUND_ACCOUNT_HOLD_DAYS = env.int("REFUND_ACCOUNT_HOLD_DAYS", default=14)
# Sessions of treasurers, organisers and other power holders end after this many idle minutes.
POWER_SESSION_IDLE_MINUTES = env.int("POWER_SESSION_IDLE_MINUTES", default=30)
# Approving payouts, downloading payment files and changing fund rules need a code this fresh (seconds).
STEP_UP_SECONDS = env.int("STEP_UP_SECONDS", default=300)
# Regulated offers (crowdfunding rules). These defaults are settings, not legal advice: a community decides with
# its legal advice which offers are regulated (per pool) and whether it may run them at all.
OFFERS_REGULATED_ALLOWED = env.bool("OFFERS_REGULATED_ALLOWED", default=True)
OFFERS_REGULATED_INSTRUMENTS = env.list(
    "OFFERS_REGULATED_INSTRUMENTS", default=["interest_loan", "transferable_securities"]
)
# Öre per euro, for the EUR 1,000 consent limit (1150 = 11.50 SEK per EUR).
OFFERS_EUR_SEK_ORE = env.int("OFFERS_EUR_SEK_ORE", default=1150)
OFFERS_REFLECTION_DAYS = env.int("OFFERS_REFLECTION_DAYS", default=4)
OFFERS_ASSESSMENT_VALID_DAYS = env.int("OFFERS_ASSESSMENT_VALID_DAYS", default=730)
# Yearly statements go out in January, on this day of the month at 07:00 Europe/Stockholm.
OFFERS_STATEMENT_DAY = env.int("OFFERS_STATEMENT_DAY", default=10)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"LenderPaymentKindEnum": "pools.offers.models.LenderPaymentKind"}
)
# Communities: name the API's community enums (a community's default language is the platform's languages).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "CommunityKindEnum": "communities.models.CommunityKind",
        "MembershipRoleEnum": "communities.models.MembershipRole",
        "InvitationStatusEnum": "communities.models.InvitationStatus",
        "LanguageEnum": "accounts.models.Language",
    }
)
