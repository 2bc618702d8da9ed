"""Django settings. Everything that differs between machines comes from the environment.

``TOWNHALL_ENV=production`` turns on the production checks: the process refuses to start
without a secret key, allowed hosts and a database URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from townhall.lib import env

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
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "townhall.accounts",
    "townhall.places",
    "townhall.audit",
    "townhall.servicedesk",
    "townhall.open311",
    "townhall.portal",
    "townhall.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
}
DATA_UPLOAD_MAX_MEMORY_SIZE = TOWNHALL["MAX_UPLOAD_BYTES"] + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
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
