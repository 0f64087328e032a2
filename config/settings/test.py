"""Test settings: fast hashing, in-process jobs; DATABASE_URL still picks PostgreSQL in CI."""

import os

os.environ.setdefault(
    "WUYETONG_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test")
)

from .base import *  # noqa: F403
from .base import DATABASES, redis_channel_layer

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
WUYETONG_JOBS_IN_THREAD = False  # jobs run inline, so tests see their result
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {"default": redis_channel_layer(os.environ["REDIS_URL"])}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_PROVIDER = "memory"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory
DEBUG = False
