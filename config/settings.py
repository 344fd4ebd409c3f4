"""Settings, read from the environment.

Every value that differs between a laptop demo and a production server comes from an
environment variable; the defaults give a working demo on an SQLite file under ``var/``.
``CADRAN_ENV=production`` turns on the secure defaults checked by ``manage.py check --deploy``.
"""

from __future__ import annotations

import datetime as dt
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

# Off unless asked for (DEBUG=1), the demo included: a mistyped address shows the site's
# French 404 page, never Django's debug page listing every URL (docs/securite.md).
DEBUG = env_bool("DEBUG", default=False)
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
    "axes",
    "csp",
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
    "cadran.publicity",
    "cadran.board",
    "cadran.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A French 400 for a NUL character or a body nested too deep, before anything reads
    # them (PostgreSQL refuses NUL; json recurses per level). cadran/core/input_guard.py
    "cadran.core.input_guard.InputGuardMiddleware",
    # The territory of the address: its domain, or /territoire/<slug>/ served as the root
    # with every link kept under it (cadran/territory/routing.py, decisions/0012).
    "cadran.territory.routing.TerritoryRoutingMiddleware",
    # Remembers where the request comes from, for the audit log ("from where").
    "cadran.core.request_context.RequestContextMiddleware",
    # Content-Security-Policy on every response; /widget/ may be framed (docs/securite.md).
    "cadran.core.middleware.CadranCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: every booking / registration / cancel attempt counts, even a refused one.
    "cadran.core.ratelimit.RateLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff pages: session expiry after inactivity, second factor (docs/securite.md).
    "cadran.core.middleware.StaffAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A PDF asked for on a server without Pango: a French 503, not a 500 (cadran/core/pdf.py).
    "cadran.core.pdf.PdfUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the French lockout page.
    "axes.middleware.AxesMiddleware",
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

# The cache of the rate limits (cadran/core/ratelimit.py): a database table, so that every
# web process (gunicorn workers, several machines) counts the same attempts. The table is
# created by the migration accounts 0004 (``createcachetable`` does it too).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Territory identities and routes (cadran/territory/identity.py, routing.py), per process.
    "territory": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "territory",
    },
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cadran_cache",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 50000},
    },
}
# The cache of the public pages, feeds, widget and posters (cadran/publicity/cache.py,
# docs/visibilite.md), shared by every web process: Redis when REDIS_URL is set
# (redis://127.0.0.1:6379/0), else the same database table as the rate limits.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES["public"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CADRAN_CACHE_KEY_PREFIX", "cadran"),
        "TIMEOUT": 300,
    }
else:
    CACHES["public"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cadran_cache",
        "KEY_PREFIX": "public",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": 50000},
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "public:home"
# django-axes first: it refuses a locked-out account before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "cadran.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A password-reset link works for one hour (and once: it changes with the password).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))

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
# Outside production, WhiteNoise serves the apps' static files straight from their folders
# (no collectstatic needed for the demo, DEBUG off); production serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
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
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Security (docs/securite.md) ----------------------------------------------------------
# Content-Security-Policy (django-csp 4): nothing inline, everything from the site itself.
# htmx is configured by a <meta> (no inline style). frame-ancestors 'none' everywhere but
# under CADRAN_WIDGET_PREFIX, which any site may frame (cadran.core.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
CADRAN_WIDGET_PREFIX = "/widget/"
# Public pages (home, communes, workshops agenda: for visitors without a session), calendar
# feeds, widget and posters are cached, and invalidated when their data changes
# (cadran/publicity/cache.py, docs/visibilite.md), in a cache every web process shares.
CADRAN_PUBLIC_CACHE_ALIAS = os.environ.get("CADRAN_PUBLIC_CACHE_ALIAS", "public")
CADRAN_PUBLIC_CACHE_SECONDS = int(os.environ.get("CADRAN_PUBLIC_CACHE_SECONDS", "300"))
CADRAN_PUBLIC_CACHE_SETTLE_SECONDS = int(os.environ.get("CADRAN_PUBLIC_CACHE_SETTLE_SECONDS", "2"))

# Second factor (TOTP + recovery codes) for the roles that see personal data. Required in
# production; off in the demo, where staff pages say so.
CADRAN_REQUIRE_2FA = env_bool("CADRAN_REQUIRE_2FA", default=PRODUCTION)
CADRAN_TOTP_ISSUER = os.environ.get("CADRAN_TOTP_ISSUER", "Cadran")
# A member of staff idle for this many minutes is logged out (the session itself lasts
# SESSION_COOKIE_AGE at most).
CADRAN_STAFF_IDLE_MINUTES = int(os.environ.get("CADRAN_STAFF_IDLE_MINUTES", "30"))

# Lockout after repeated login failures (django-axes, cadran/accounts/lockout.py): 5
# failures for one e-mail address lock that account for 15 minutes, whatever the client's
# address; one address is locked only after 50 failures, all accounts together (a town
# hall or a CCAS behind one NAT must not be locked out by one person's typos). A
# successful login clears the count of that account only.
AXES_HANDLER = "cadran.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
CADRAN_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("CADRAN_LOGIN_FAILURES_PER_ADDRESS", "50"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# In this order: the handler reads the account's attempts, then the address's.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cadran.accounts.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "cadran.core.ratelimit.client_ip_for_axes"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cadran.accounts.views.lockout_response"
AXES_VERBOSE = False

# Rate limits of the public booking, registration and cancel endpoints (POST), per client
# and per slot / session, per minute (cadran/core/ratelimit.py).
CADRAN_RATELIMIT_PER_CLIENT = int(os.environ.get("CADRAN_RATELIMIT_PER_CLIENT", "60"))
CADRAN_RATELIMIT_PER_TARGET = int(os.environ.get("CADRAN_RATELIMIT_PER_TARGET", "10"))
CADRAN_RATELIMIT_WINDOW_SECONDS = 60
# Behind a reverse proxy, the request header (Django META name) that carries the client's
# address, for example "HTTP_X_FORWARDED_FOR"; the right-most address is used (the one
# the proxy added). Empty: REMOTE_ADDR, right for a direct connection.
CADRAN_CLIENT_IP_HEADER = os.environ.get("CADRAN_CLIENT_IP_HEADER", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; lockouts and failures stay visible.
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
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
# The accessibility statement (RGAA 4.1.2, docs/visibilite.md): the same pages for every
# territory of the install, so one state. ISO dates; the rate (percentage of RGAA criteria
# met) only once an audit gave it: until then the site is « non conforme ».
CADRAN_ACCESSIBILITY_STATEMENT_DATE = os.environ.get("CADRAN_ACCESSIBILITY_STATEMENT_DATE", "")
CADRAN_ACCESSIBILITY_AUDIT_DATE = os.environ.get("CADRAN_ACCESSIBILITY_AUDIT_DATE", "")
CADRAN_ACCESSIBILITY_AUDIT_RATE = os.environ.get("CADRAN_ACCESSIBILITY_AUDIT_RATE", "")
CADRAN_ACCESSIBILITY_AUDITOR = os.environ.get("CADRAN_ACCESSIBILITY_AUDITOR", "")
# The schéma pluriannuel de mise en accessibilité, published by the territory (an address).
CADRAN_ACCESSIBILITY_PLAN_URL = os.environ.get("CADRAN_ACCESSIBILITY_PLAN_URL", "")

# --- Notifications and time-driven work (see docs/notifications.md) ---------------------
# The public address of the site, for the links written in e-mails and SMS.
CADRAN_SITE_URL = os.environ.get("CADRAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reminders go the day before the appointment at this time (Paris); the advisers' digest
# of the day's appointments at this time of the day itself.
CADRAN_REMINDER_TIME = os.environ.get("CADRAN_REMINDER_TIME", "10:00")
CADRAN_STAFF_DIGEST_TIME = os.environ.get("CADRAN_STAFF_DIGEST_TIME", "07:00")
# A territory's identity (names, colours, senders, site address, times: docs/territoire.md)
# and its routes (domain, /territoire/<slug>/) are cached for the pages, in each process's
# memory; "public" shares them between the web processes (a change is seen at once).
CADRAN_TERRITORY_CACHE_ALIAS = os.environ.get("CADRAN_TERRITORY_CACHE_ALIAS", "territory")
CADRAN_TERRITORY_CACHE_SECONDS = int(os.environ.get("CADRAN_TERRITORY_CACHE_SECONDS", "300"))
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
# The board (Cadran des interventions): minutes between two communes when the travel-time
# matrix has no value for them (docs/cadran.md).
CADRAN_DEFAULT_TRAVEL_MINUTES = int(os.environ.get("CADRAN_DEFAULT_TRAVEL_MINUTES", "20"))
# Functions ``fn(now) -> int`` run by the sweep (``manage.py cadran_worker``) every minute.
CADRAN_SWEEPERS = [
    "cadran.scheduling.sweepers.queue_due_reminders",
    "cadran.scheduling.sweepers.queue_due_confirmations",
    "cadran.scheduling.sweepers.queue_staff_digests",
    "cadran.workshops.sweepers.decide_due_sessions",
    "cadran.workshops.sweepers.queue_due_confirmations",
    "cadran.agreements.sweepers.queue_agreement_alerts",
    "cadran.equipment.sweepers.sweep_loans",
    "cadran.notifications.services.requeue_stale_messages",
    "cadran.notifications.services.release_stale_tasks",
    "cadran.privacy.sweepers.purge_personal_data",
    "cadran.activity.lacoop.sweepers.queue_lacoop_syncs",
]
# How often each territory's activities are read from La Coop (docs/lacoop.md).
CADRAN_LACOOP_SYNC_MINUTES = int(os.environ.get("CADRAN_LACOOP_SYNC_MINUTES", "60"))
# A background task still « running » after this many minutes lost its worker: the sweep
# records it failed (the message it was sending is sent again after about 2 minutes).
CADRAN_STALE_TASK_MINUTES = int(os.environ.get("CADRAN_STALE_TASK_MINUTES", "10"))
# The purge of personal data past its time (docs/donnees-personnelles.md) runs during this
# hour of the night (Paris), once a day per territory.
CADRAN_PURGE_HOUR = int(os.environ.get("CADRAN_PURGE_HOUR", "3"))
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
# Replies « OUI » / « NON » to « Vous venez toujours ? » (docs/notifications.md): Brevo posts
# them to /sms/reponses/<secret>/ (or /sms/reponses/ with « Authorization: Bearer <secret> »).
# Empty: the webhook refuses everything and the SMS do not offer to reply.
SMS_REPLY_WEBHOOK_SECRET = os.environ.get("SMS_REPLY_WEBHOOK_SECRET", "")
