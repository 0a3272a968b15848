"""OpenIOP settings: one module, configured from the environment.

Safe defaults serve the embedded demo (SQLite under var/); production sets SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and, for several app processes, REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from config.secret import load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OPENIOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("OPENIOP_TESTING", False)

# Production sets SECRET_KEY (the same for every app process). The embedded install keeps a random key
# in var/secret_key, created on first start, so nothing secret is ever committed.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    SECRET_KEY = load_or_create_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks.backends.database",
    "openiop.core",
    "openiop.accounts",
    "openiop.audit",
    "openiop.programs",
    "openiop.patients",
    "openiop.home",
    "openiop.intake",
    "openiop.scheduling",
    "openiop.treatment",
    "openiop.skills",
    "openiop.safety",
    "openiop.notes",
    "openiop.measures",
    "openiop.coordination",
    "openiop.discharge",
    "openiop.transitions",
    "openiop.operations",
    "openiop.utilization",
    "openiop.portal",
    "openiop.invitations",
    "openiop.reminders",
    "openiop.fhir",
    "openiop.api",
    "openiop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openiop.core.middleware.RequestIdMiddleware",
    "openiop.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openiop.api.idempotency.IdempotencyKeyMiddleware",
    "openiop.portal.middleware.PatientLanguageMiddleware",
    "openiop.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "openiop.accounts.middleware.StaffMfaRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "openiop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openiop.core.context_processors.navigation",
                "openiop.portal.nav.portal_nav",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite by default (WAL, busy timeout, IMMEDIATE transactions so concurrent writers queue instead of
# failing with "database is locked"); PostgreSQL when DATABASE_URL is set. Connections persist for a minute
# on both: app processes are sync gunicorn workers (one connection each; never runserver's thread per request).
SQLITE_PATH = VAR_DIR / "openiop.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Kept open between requests, as on PostgreSQL: opening the file, its pragmas and reading the
            # schema again cost each request of a sync worker a few milliseconds of CPU (bench/RESULTS.md).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                    " PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured (shared by every app process), else the database --------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "openiop",
        }
    }
else:
    # The database cache is shared by all gunicorn workers, so login rate limits hold across processes.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "openiop_cache"}
    }

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home:index"

ACCOUNT_ADAPTER = "openiop.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Lockout: 5 failed logins for one account within 15 minutes block further attempts for it.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_FAILURE_LIMIT", "20/m/ip,5/15m/key"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OpenIOP"
MFA_ADAPTER = "openiop.accounts.adapters.MFAAdapter"
# Staff must enrol TOTP before they can use the app. The embedded demo turns this off (make run).
OPENIOP_REQUIRE_STAFF_MFA = env_bool("OPENIOP_REQUIRE_STAFF_MFA", True)

# --- Sessions: idle and absolute timeouts ----------------------------------------------------------
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "15"))
SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Renewed by a signed-in request once the last renewal is a minute old (accounts/middleware.py), not saved
# on every request: the session may end up to a minute before the full idle timeout, never after it.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# --- Transport security ---------------------------------------------------------------------------
# Cookies are Secure unless explicitly served over plain HTTP on loopback (the demo); see make run.
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading binds the whole domain to HTTPS in browsers for good: the deployer's decision, off by default,
# so Django's reminder about it is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies of ours that append to X-Forwarded-For (deploy/nginx.conf is one): allauth then counts failed
# logins per client rather than per proxy, which would lock everyone out together.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if BEHIND_TLS_PROXY else "0"))
# Load balancers probe the app processes directly, often over plain HTTP: no redirect for the probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# No inline script or style anywhere: every script and stylesheet is a static file of ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "openiop" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "openiop" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents live outside the web root and are served only through access-checked views.
MEDIA_ROOT = VAR_DIR / "private"

# --- Email and SMS ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OpenIOP <no-reply@openiop.invalid>")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "openiop.core.sms.ConsoleSmsBackend")

# --- Background tasks (django-tasks): reminders are sent by `manage.py db_worker`, which `make run`
# starts beside the web server. Tests run tasks at once, in the test's transaction.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks.backends.database.DatabaseBackend"
        )
    }
}

# --- Logging: no PHI in logs; request ids tie log lines to audit events --------------------------
# LOG_FORMAT=json (the production profile, deploy/): one JSON object a line, and one line a request from
# the "openiop.request" logger (path without its query string, status, duration, request id). See
# openiop/core/logging.py. The default stays plain text at LOG_LEVEL.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "openiop.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"}
        | ({"formatter": "json"} if LOG_FORMAT == "json" else {})
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"openiop.request": {"level": "INFO"}} if LOG_FORMAT == "json" else {},
}

# Extra folders of level-of-care rubric files (an organization's licensed LOCUS or ASAM rubric), besides
# the shipped openiop/intake/rubrics/. See openiop/intake/rubrics/README.md.
OPENIOP_RUBRIC_DIRS = env_list("OPENIOP_RUBRIC_DIRS", "")
# Extra folders of an organization's own note formats and licensed questionnaires (docs/measures.md),
# besides the shipped openiop/notes/formats/ and openiop/measures/instruments/.
OPENIOP_NOTE_FORMAT_DIRS = env_list("OPENIOP_NOTE_FORMAT_DIRS", "")
OPENIOP_INSTRUMENT_DIRS = env_list("OPENIOP_INSTRUMENT_DIRS", "")
# Weeks after which a patient with no reliable improvement is "not on track" (a plan review is raised).
OPENIOP_NOT_ON_TRACK_WEEKS = int(os.environ.get("OPENIOP_NOT_ON_TRACK_WEEKS", "4"))

# Seconds the schedule optimizer may search when a director builds a week (Plan the week).
OPENIOP_PLANNING_TIME_LIMIT = int(os.environ.get("OPENIOP_PLANNING_TIME_LIMIT", "10"))

# How disclosures are sent by Direct secure messaging (openiop/coordination/transport.py): the default logs
# the envelope only; "openiop.coordination.transport.FileDirectBackend" writes to var/outbox/ for the demo.
OPENIOP_DIRECT_BACKEND = os.environ.get(
    "OPENIOP_DIRECT_BACKEND", "openiop.coordination.transport.LogDirectBackend"
)

ADMIN_ENABLED = True
