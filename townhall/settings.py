"""Django settings. Everything that differs between machines comes from the environment.

``TOWNHALL_ENV=production`` turns on the production checks: the process refuses to start
without a secret key, allowed hosts and a database URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

from townhall.lib import env


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL template, for the CSP allow-list ("" when unset)."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "*"))  # Leaflet subdomains become a wildcard
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env.string("TOWNHALL_VAR_DIR") or PROJECT_DIR / "var")

PRODUCTION = env.string("TOWNHALL_ENV", "development") == "production"
DEBUG = env.boolean("DEBUG", default=False)

if PRODUCTION:
    SECRET_KEY = env.required("SECRET_KEY")
    ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise env.ConfigError("ALLOWED_HOSTS must be set in production")
    env.required("DATABASE_URL")
else:
    # A fixed development key: the demo must start with nothing configured.
    SECRET_KEY = env.string("SECRET_KEY") or "townhall-insecure-development-key-not-for-production"  # noqa: S105
    ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "townhall.accounts",
    "townhall.places",
    "townhall.audit",
    "townhall.servicedesk",
    "townhall.budgeting",
    "townhall.assistant",
    "townhall.open311",
    "townhall.portal",
    "townhall.staff",
    "townhall.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "townhall.urls"
WSGI_APPLICATION = "townhall.wsgi.application"
ASGI_APPLICATION = "townhall.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.portal.context.portal",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "townhall.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env.string("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env.integer("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE transactions take the
    # write lock up front, so concurrent writers queue on busy_timeout instead of
    # failing with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if env.boolean("TESTING") else 60

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Residents sign in with a one-time email link (staff use the admin's login).
LOGIN_URL = "portal:sign_in"

# Staff operations (issue 3): failed sign-ins are throttled by django-axes (a cool-off per
# username and address, never a permanent lock); staff confirm with a TOTP code.
AUTHENTICATION_BACKENDS = [
    "townhall.accounts.backends.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = env.string("OTP_TOTP_ISSUER", "Townhall") or "Townhall"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.string("TIME_ZONE", "America/New_York") or "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env.boolean("TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

EMAIL_BACKEND = env.string("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
# The SMTP server for the smtp backend (production's default); EMAIL_HOST_PASSWORD may
# come from EMAIL_HOST_PASSWORD_FILE like any secret.
EMAIL_HOST = env.string("EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS")
EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "311@riverton.example") or ""

# Limits at the edges (bytes, characters, counts). Explicit settings, not magic numbers.
TOWNHALL: dict[str, Any] = {
    "MAX_DESCRIPTION_CHARS": 4000,
    "MAX_UPLOAD_BYTES": env.integer("TOWNHALL_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
    "MAX_IMAGE_PIXELS": env.integer("TOWNHALL_MAX_IMAGE_PIXELS", 40_000_000),
    "OPEN311_DEFAULT_DAYS": 90,
    "OPEN311_MAX_RESULTS": 1000,
    "OPEN311_DEFAULT_PAGE_SIZE": 1000,
    "PUBLIC_BASE_URL": env.string("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
    # The residents' portal.
    "MAX_PHOTOS": 3,
    "SIGN_IN_LINK_MINUTES": 20,
    # A voter's pass (participatory budgeting) ends after this many idle minutes.
    "PB_VOTER_PASS_MINUTES": env.integer("TOWNHALL_PB_VOTER_PASS_MINUTES", 30),
    # Time a count may spend working out "needed N more supporters" (seconds, all units).
    "PB_EXPLAIN_SECONDS": env.integer("TOWNHALL_PB_EXPLAIN_SECONDS", 10),
    # The largest .pb upload the staff import page accepts (bytes).
    "PB_IMPORT_MAX_BYTES": env.integer("TOWNHALL_PB_IMPORT_MAX_BYTES", 50 * 1024 * 1024),
    # Per client IP: "COUNT/PERIOD" with PERIOD s, m, h or d; "" turns a limit off.
    "RATE_LIMITS": {
        "report": env.string("TOWNHALL_RATE_LIMIT_REPORT", "10/h"),
        "sign_in": env.string("TOWNHALL_RATE_LIMIT_SIGN_IN", "5/h"),
        "follow": env.string("TOWNHALL_RATE_LIMIT_FOLLOW", "20/h"),
        "search": env.string("TOWNHALL_RATE_LIMIT_SEARCH", "120/m"),
        # Participatory budgeting: proposing ideas, and comments and supports on them.
        "pb_propose": env.string("TOWNHALL_RATE_LIMIT_PB_PROPOSE", "10/h"),
        "pb_comment": env.string("TOWNHALL_RATE_LIMIT_PB_COMMENT", "30/h"),
        "pb_support": env.string("TOWNHALL_RATE_LIMIT_PB_SUPPORT", "120/h"),
        # Signing in to vote: slows down guessing census identity numbers.
        "pb_vote": env.string("TOWNHALL_RATE_LIMIT_PB_VOTE", "20/h"),
    },
    # The rate limiter reads the client address from REMOTE_ADDR unless a proxy in front
    # sets this header (e.g. X-Forwarded-For); only set it when that proxy overwrites it.
    "CLIENT_IP_HEADER": env.string("TOWNHALL_CLIENT_IP_HEADER", ""),
    # Map background tiles, e.g. https://tiles.example.org/{z}/{x}/{y}.png. Empty: the map
    # shows the districts and pins on a plain background and residents' browsers contact
    # no other server.
    "MAP_TILE_URL": env.string("TOWNHALL_MAP_TILE_URL", ""),
    "MAP_ATTRIBUTION": env.string("TOWNHALL_MAP_ATTRIBUTION", ""),
    # Staff operations (issue 3).
    "STAFF_IDLE_MINUTES": env.integer("TOWNHALL_STAFF_IDLE_MINUTES", 30),
    "STALE_AFTER_DAYS": env.integer("TOWNHALL_STALE_AFTER_DAYS", 7),
    "SLA_SCAN_BATCH": 5000,
    "NOTIFY_MAX_ATTEMPTS": 5,
    "SMS_BACKEND": env.string("TOWNHALL_SMS_BACKEND", "townhall.servicedesk.sms.FileSender"),
    "SMS_FILE_PATH": str(VAR_DIR / "sms"),
    "TWILIO_API_BASE": env.string("TWILIO_API_BASE", "https://api.twilio.com"),
    "TWILIO_ACCOUNT_SID": env.string("TWILIO_ACCOUNT_SID", ""),
    "TWILIO_AUTH_TOKEN": env.string("TWILIO_AUTH_TOKEN", ""),
    "TWILIO_FROM": env.string("TWILIO_FROM", ""),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = TOWNHALL["MAX_UPLOAD_BYTES"] + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The portal's rate limits count in the cache, so every web process (gunicorn runs several)
# must share it: by default a table in the application's own database, created by a
# migration. CACHE_BACKEND/CACHE_LOCATION select another, e.g. Redis. Tests count in
# local memory, cleared per test.
CACHES = {
    "default": {
        "BACKEND": env.string(
            "CACHE_BACKEND",
            "django.core.cache.backends.locmem.LocMemCache"
            if env.boolean("TESTING")
            else "django.core.cache.backends.db.DatabaseCache",
        ),
        "LOCATION": env.string("CACHE_LOCATION", "townhall_cache"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "townhall.portal.views.errors.csrf_failure"

# Content-Security-Policy (django-csp 4): every script and style is a static file from
# this site, so neither inline scripts nor inline styles are allowed.
_tile_origin = _origin(TOWNHALL["MAP_TILE_URL"] or "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *([_tile_origin] if _tile_origin else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "WARNING")},
}

# The demo and development serve static files straight from the apps; production serves
# the collected, compressed copies.
WHITENOISE_USE_FINDERS = not PRODUCTION
