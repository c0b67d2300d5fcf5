"""Production settings: every secret must come from the environment; a missing one fails at start."""

from django.core.exceptions import ImproperlyConfigured

from tengri.config.base import *  # noqa: F403
from tengri.config.base import HUEY
from tengri.config.env import env_list, env_str

DEBUG = False


def _required(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = _required("TENGRI_SECRET_KEY")
TENGRI_DATA_KEY = _required("TENGRI_DATA_KEY")
TENGRI_SIGNING_KEY_SECRET = _required("TENGRI_SIGNING_KEY_SECRET")
ALLOWED_HOSTS = env_list("TENGRI_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("TENGRI_ALLOWED_HOSTS must be set in production")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

_redis = env_str("TENGRI_REDIS_URL")
if _redis:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "tengri", "url": _redis, "immediate": False}
else:
    HUEY = {**HUEY, "immediate": False}
