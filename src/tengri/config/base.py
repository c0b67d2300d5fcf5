"""Settings shared by every environment. Development defaults: DEBUG on, SQLite, huey on SQLite."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from tengri.config.env import VAR_DIR, database_config, env_bool, env_list, env_str

SRC_DIR = Path(__file__).resolve().parents[1]

DEBUG = env_bool("TENGRI_DEBUG", True)
SECRET_KEY = env_str("TENGRI_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("TENGRI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "huey.contrib.djhuey",
    "django_htmx",
    "tengri.core",
    "tengri.geo",
    "tengri.registry",
    "tengri.accounts",
    "tengri.documents",
    "tengri.expeditions",
    "tengri.approvals",
    "tengri.permits",
    "tengri.checkpoints",
    "tengri.capacity",
    "tengri.indicators",
    "tengri.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tengri.web.errors.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tengri.config.urls"
WSGI_APPLICATION = "tengri.config.wsgi.application"

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

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": database_config(VAR_DIR / "tengri.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Store UTC; pages show local time of the authority concerned (KZ UTC+5, KG UTC+6).
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("ky", _("Kyrgyz")),
]
LOCALE_PATHS = [SRC_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}

# Background work. SQLite storage by default so that `make run` needs nothing installed.
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "tengri",
    "filename": str(VAR_DIR / "huey.sqlite3"),
    "immediate": env_bool("TENGRI_HUEY_IMMEDIATE", False),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "route-list"

# Mail: the console in development; production sets EMAIL_BACKEND and the SMTP settings.
EMAIL_BACKEND = env_str("TENGRI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("TENGRI_FROM_EMAIL", "tengri@localhost")

# Personal data (document numbers, birth dates) is encrypted with keys derived from this secret, and
# looked up through a keyed hash (see tengri.documents.crypto). Production must set its own.
TENGRI_DATA_KEY = env_str("TENGRI_DATA_KEY", "dev-only-data-key-do-not-use-in-production")
# Private signing keys of the authorities are stored sealed under a key derived from this secret.
TENGRI_SIGNING_KEY_SECRET = env_str("TENGRI_SIGNING_KEY_SECRET", "dev-only-signing-key-secret")
# A permit is valid from the day before the trip starts to this many days after it ends (weather delays).
TENGRI_PERMIT_GRACE_DAYS = 3
# Personal data of an application is erased this many years after it closes (as the EU EES does).
TENGRI_RETENTION_YEARS = 3
# Overdue escalation: a group is overdue this many hours after the end (local time) of its planned exit
# day; then each stage is raised this many hours after the deadline unless the group has come out.
TENGRI_OVERDUE_GRACE_HOURS = 6
TENGRI_OVERDUE_STAGE_HOURS = {1: 0, 2: 6, 3: 12}
# Device and server clocks further apart than this are flagged on the events of that upload.
TENGRI_CLOCK_SKEW_FLAG_S = 120
# A checkpoint device's one-time enrolment token is good for this long.
TENGRI_DEVICE_ENROLMENT_HOURS = 72
# Uploads and pasted text larger than this are refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Capacity: a hold of an application not yet submitted gives its capacity back after this long; a
# booking waits at most this long for the resource-days others are booking, then answers "busy" (503).
TENGRI_HOLD_MINUTES = 30
TENGRI_CAPACITY_LOCK_TIMEOUT_MS = 3000

# Geography: how far from a border line a point must be to belong to one side alone (see docs/geography.md).
TENGRI_BORDER_ACCURACY_M = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
