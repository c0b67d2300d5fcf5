"""Test settings: fast hashing, eager tasks, local-memory cache. `DATABASE_URL` still selects the DB."""

from tengri.config.base import *  # noqa: F403
from tengri.config.base import HUEY

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TENGRI_DATA_KEY = "test-only-data-key"
TENGRI_SIGNING_KEY_SECRET = "test-only-signing-key-secret"  # noqa: S105
