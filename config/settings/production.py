"""Production: everything from the environment; refuses to start without the essentials."""

import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")

from .base import *  # noqa: E402,F403

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)  # noqa: F405 - the reverse proxy serves /media/
# The sandbox gateway approves payments without money: only when explicitly asked for.
PAYMENT_GATEWAYS["sandbox"]["enabled"] = env_bool("PAYMENT_SANDBOX", False)  # type: ignore[index]  # noqa: F405
