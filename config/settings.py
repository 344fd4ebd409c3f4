"""Settings, read from the environment.

Every value that differs between a laptop demo and a production server comes from an
environment variable; the defaults give a working demo on an SQLite file under ``var/``.
``CADRAN_ENV=production`` turns on the secure defaults checked by ``manage.py check --deploy``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CADRAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


CADRAN_ENV = os.environ.get("CADRAN_ENV", "development")
PRODUCTION = CADRAN_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY doit être défini en production.")
    SECRET_KEY = "demo-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "cadran.core",
    "cadran.accounts",
    "cadran.territory",
    "cadran.scheduling",
    "cadran.public",
    "cadran.api",
    "cadran.notifications",
    "cadran.workshops",
    "cadran.agreements",
    "cadran.equipment",
    "cadran.activity",
    "cadran.reporting",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cadran.core.context_processors.cadran",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cadran.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file;
    # IMMEDIATE transactions take the write lock up front, so concurrent bookings queue
    # instead of failing with "database is locked" half-way.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: concurrency tests need several real connections. One file per
    # test process, so two suites running side by side never share a database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "CADRAN_TEST_DB", str(VAR_DIR / f"test-cadran-{os.getpid()}.sqlite3")
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "public:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
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

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cadran <ne-pas-repondre@localhost>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Cadran's own settings -------------------------------------------------------------
# Default booking rules; a permanence may override them.
CADRAN_MIN_NOTICE_MINUTES = int(os.environ.get("CADRAN_MIN_NOTICE_MINUTES", "120"))
CADRAN_BOOKING_WINDOW_DAYS = int(os.environ.get("CADRAN_BOOKING_WINDOW_DAYS", "92"))
# Public holidays and school holidays come from the ``holidays`` package.
CADRAN_HOLIDAY_COUNTRY = "FR"
CADRAN_SCHOOL_ZONE = os.environ.get("CADRAN_SCHOOL_ZONE", "Zone B")
# The demo prints a banner on every page.
CADRAN_DEMO = env_bool("CADRAN_DEMO", default=not PRODUCTION)

# --- Notifications and time-driven work (see docs/notifications.md) ---------------------
# The public address of the site, for the links written in e-mails and SMS.
CADRAN_SITE_URL = os.environ.get("CADRAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reminders go the day before the appointment at this time (Paris); the advisers' digest
# of the day's appointments at this time of the day itself.
CADRAN_REMINDER_TIME = os.environ.get("CADRAN_REMINDER_TIME", "10:00")
CADRAN_STAFF_DIGEST_TIME = os.environ.get("CADRAN_STAFF_DIGEST_TIME", "07:00")
# A message that fails is tried again after 1, 2, 4, 8… minutes, then marked failed.
CADRAN_MESSAGE_MAX_ATTEMPTS = int(os.environ.get("CADRAN_MESSAGE_MAX_ATTEMPTS", "5"))
CADRAN_MESSAGE_RETRY_SECONDS = int(os.environ.get("CADRAN_MESSAGE_RETRY_SECONDS", "60"))
# Activity records (CRA): an adviser may correct their record for this many days, then it
# is locked and only the coordination corrects it (audit-logged).
CADRAN_ACTIVITY_EDIT_DAYS = int(os.environ.get("CADRAN_ACTIVITY_EDIT_DAYS", "7"))
# INSEE code of the employer's commune, for activities « à distance » (empty: the first
# commune the adviser serves).
CADRAN_ACTIVITY_REMOTE_INSEE = os.environ.get("CADRAN_ACTIVITY_REMOTE_INSEE", "")
# Equipment loans: a loan not collected this many days after its first day is cancelled
# by the worker, and the borrower told (docs/materiel.md).
CADRAN_LOAN_PICKUP_DAYS = int(os.environ.get("CADRAN_LOAN_PICKUP_DAYS", "3"))
# Functions ``fn(now) -> int`` run by the sweep (``manage.py cadran_worker``) every minute.
CADRAN_SWEEPERS = [
    "cadran.scheduling.sweepers.queue_due_reminders",
    "cadran.scheduling.sweepers.queue_staff_digests",
    "cadran.workshops.sweepers.decide_due_sessions",
    "cadran.agreements.sweepers.queue_agreement_alerts",
    "cadran.equipment.sweepers.sweep_loans",
    "cadran.notifications.services.requeue_stale_messages",
]
# Conventions (docs/conventions.md): alert this many months before the end of a year of the
# agreement (to decide its renewal), and before its absolute limit.
CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS = int(
    os.environ.get("CADRAN_AGREEMENT_RENEWAL_NOTICE_MONTHS", "3")
)
CADRAN_AGREEMENT_CAP_ALERT_MONTHS = int(os.environ.get("CADRAN_AGREEMENT_CAP_ALERT_MONTHS", "6"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# SMS: printed in the demo; ``cadran.notifications.backends.sms.BrevoSmsBackend`` in production.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "cadran.notifications.backends.sms.ConsoleSmsBackend")
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
SMS_API_URL = os.environ.get("SMS_API_URL", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "CCFL")
SMS_TIMEOUT = int(os.environ.get("SMS_TIMEOUT", "10"))
