"""Entente settings: every knob comes from an environment variable with a safe default.

Production differs from development only by environment (see .env.example). A bad value
fails here, at start-up, with a message that names the variable; a missing SECRET_KEY or
ALLOWED_HOSTS stops the web server (config.startup).
"""

import datetime as dt
import hashlib
import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; in production the environment is set.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

TESTING = "pytest" in sys.modules
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting; anything but true/false (1/0, yes/no, on/off) stops start-up."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")
    return raw in _TRUE


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


DEBUG = env_bool("DEBUG", False)

# Required without DEBUG, and enforced as the web server starts (config.startup), not here:
# offline commands such as makemigrations need neither.
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if DEBUG or TESTING:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "ninja",  # its static files: Swagger UI for /api/docs, served from here, not a CDN
    "django_http_compression",  # its system checks (the middleware's place)
    "tracker",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, precompressed (gzip, Brotli)
    # Pages and API answers compressed with the best the client takes (Zstandard, Brotli,
    # gzip): a sixth of their size or less. Below WhiteNoise, which answers static files
    # itself. Against BREACH: each answer is padded with random bytes, and the CSRF token is
    # masked anew on every response.
    "django_http_compression.middleware.HttpCompressionMiddleware",
    "dashboard.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.middleware.HtmxMessages",  # after htmx's: it adds messages to htmx answers
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "dashboard.context_processors.method",
                "dashboard.context_processors.watched",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Connections kept for a minute (checked before reuse), so that the statement every page
    # asks (its data version) stays prepared on them; PREPARED_STATEMENTS=false behind a
    # pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2 if env.bool("PREPARED_STATEMENTS", default=True) else None
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the demo database: write-ahead logging lets readers work
    # while a job writes, and writers wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    # A file, not memory, so that a Celery worker in another process sees the test data.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # TEST_SQLITE_NAME lets two test runs share a checkout without sharing a database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / env("TEST_SQLITE_NAME", default="test-db.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Test users need no protection against brute force; PBKDF2 cost ~0.5 s a user.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.staticfinders.PlotlyFinder",  # plotly.min.js from the installed package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files while developing and testing,
        # so that neither needs collectstatic first.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Security: safe in production by default; each can be relaxed by environment.
_production = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _production)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _production)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _production)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _production)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _production)
BEHIND_PROXY = env_bool("TRUST_X_FORWARDED_PROTO", False)
if BEHIND_PROXY:
    # Only behind a proxy that sets this header itself (docker-compose's does).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from this site's own files. There is no
# inline script (the figures travel as JSON, fetched or in data blocks, which are not run), so
# no nonce either: it would allow nothing 'self' does not, and would make every page unique,
# where an anonymous page is otherwise the same bytes for every reader (dashboard.pages).
# Nothing from anywhere else, no framing. Inline styles are allowed: Plotly injects its own
# style elements (their content changes with its version, so no hash can pin them) and
# draws with style attributes; a style cannot run code, a script is what this guards.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],  # Plotly's image export draws through data:
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes): after 5 failures for one username from one address, that
# pair is locked out for 15 minutes; the lockout page says so, and when it ends.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
# Whose address a failed login counts against: behind the TLS proxy, the one it appended to
# X-Forwarded-For (config.client_ip); otherwise the connection's own.
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

# Redis when REDIS_URL is set; else files in var/cache. Either is shared by every process (the
# web server reads an import's progress that a worker writes); the tests keep it in memory.
REDIS_URL = env.str("REDIS_URL", default="")
# A Redis outage degrades the cache to none (config.cache), with short timeouts.
CACHES: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if TESTING
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        # One folder per database, so that the demo's and a benchmark's never mix.
        "LOCATION": str(
            BASE_DIR
            / "var"
            / "cache"
            / hashlib.sha256(str(DATABASES["default"]["NAME"]).encode()).hexdigest()[:12]
        ),
        # Past this, Django drops a third of the entries at random: a view's job marker
        # among them (then asked again), so the bound is set well above a demo's use.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

# Celery. Redis when REDIS_URL is set; else an embedded broker in files, needing no server
# (kombu's filesystem transport; sqla+sqlite races when worker and beat start together).
CELERY_DATA_DIR = Path(env.str("CELERY_DATA_DIR", default=str(BASE_DIR / "var" / "celery")))
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    # A task still running when its message becomes visible again would run twice.
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT "
        f"({CELERY_TASK_TIME_LIMIT} >= {CELERY_VISIBILITY_TIMEOUT})."
    )
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    for folder in ("queue", "control"):
        (CELERY_DATA_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A write enqueues its recompute after committing; with the broker down the change stands and
# its pending recompute is finished by the sweep, so publishing fails fast rather than
# holding the request (kombu would otherwise retry, each try up to its connect timeout).
CELERY_TASK_PUBLISH_RETRY = False
# How long a change's recompute may wait before the sweep (every minute) asks for it again.
RECOMPUTE_OVERDUE_SECONDS = env_int("RECOMPUTE_OVERDUE_SECONDS", 120)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_IGNORE_RESULT = True  # outcomes are recorded on sources, snapshots and alerts
CELERY_TASK_ACKS_LATE = True  # a job is acknowledged when done, so a lost worker's job reruns
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # take one job at a time: long jobs do not hoard others
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = int(CELERY_TASK_TIME_LIMIT * 0.9)  # a chance to record why
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Tests run jobs inline unless a test starts a real worker (tests/integration).
CELERY_TASK_ALWAYS_EAGER = TESTING
CELERY_TASK_EAGER_PROPAGATES = TESTING

# Alerts: e-mailed to ALERT_EMAILS (Django's mail settings), posted to ALERT_WEBHOOK_URL.
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
if ALERT_WEBHOOK_URL and not ALERT_WEBHOOK_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("ALERT_WEBHOOK_URL must be an http(s) URL.")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="entente@localhost")

# Hosts the refresh jobs may fetch although they resolve inside the network (a feed mirror
# on the intranet); every other internal address is refused (tracker.sources.fetch).
FETCH_ALLOWED_HOSTS = frozenset(
    h.strip().lower() for h in env.list("FETCH_ALLOWED_HOSTS", default=[])
)

# Read side: anonymous visitors may read the dashboard only when this is on.
DASHBOARD_PUBLIC = env_bool("DASHBOARD_PUBLIC", False)

# CSV import: a file with any bad row is rolled back whole.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
