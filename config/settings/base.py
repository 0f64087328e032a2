"""One settings module driven by environment variables.

Embedded default (no variables set): SQLite in var/, in-process jobs, in-memory channel layer.
Production: DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS; DEBUG is off unless set.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("WUYETONG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
_secret = os.environ.get("SECRET_KEY")
if not _secret:
    # Embedded mode: a key generated once per installation and kept in var/.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
    _secret = key_file.read_text().strip()
SECRET_KEY = _secret
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "channels",
    "wuyetong.core",
    "wuyetong.accounts",
    "wuyetong.orgs",
    "wuyetong.estates",
    "wuyetong.servicedesk",
    "wuyetong.billing",
    "wuyetong.notices",
    "wuyetong.community",
    "wuyetong.oversight",
    "wuyetong.web",
    "wuyetong.owner",
    "wuyetong.demo",
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
    "wuyetong.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wuyetong.web.context_processors.navigation",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wuyetong.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the server read while a background job writes; IMMEDIATE avoids
        # "database is locked" on lock upgrades inside write transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
elif env_bool("DB_PREPARED_STATEMENTS", True):
    # psycopg prepares the statements of wuyetong.core.db.prepared_cursor (the hottest plain
    # queries) once per connection; every other query binds on the client as Django's default.
    # 0 behind a pooler in transaction mode that does not keep prepared statements (deploy.md)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["wuyetong.accounts.backends.PhoneBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # "remembered" login on the owner's phone

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("WUYETONG_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_RESULT_BACKEND: str | None = None


def redis_channel_layer(url: str) -> dict:
    """The Redis channel layer. An idle consumer waits in BZPOPMIN for up to channels_redis'
    brpop_timeout (5 s); redis-py ≥ 8 also gives every socket a 5 s read timeout by default,
    which ends that wait with a TimeoutError and closes every idle console's WebSocket
    (django/channels_redis#422). The read timeout is set well above the blocking wait, so a
    quiet console stays connected while a dead Redis is still noticed."""
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": url,
                    "socket_timeout": 30,
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                    "health_check_interval": 30,
                }
            ]
        },
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # Embedded mode runs the same task code in-process.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Embedded mode: a background job (a bill run) runs in a thread of the server (core.jobs).
WUYETONG_JOBS_IN_THREAD = CELERY_TASK_ALWAYS_EAGER
CELERY_TIMEZONE = TIME_ZONE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wuyetong.accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wuyetong.core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wuyetong.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "物业通 Wuyetong API",
    "DESCRIPTION": "REST API for owner apps, staff apps and integrators.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "state"/"status" field; name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "HouseStateEnum": "wuyetong.estates.choices.HouseState",
        "PayMethodEnum": "wuyetong.billing.choices.PayMethod",
        "PaymentGatewayEnum": "wuyetong.billing.choices.Gateway",
        "HouseUseEnum": "wuyetong.estates.choices.HouseUse",
        "ShopStateEnum": "wuyetong.estates.choices.ShopState",
        "SpaceStateEnum": "wuyetong.estates.choices.SpaceState",
        "RelationEnum": "wuyetong.estates.choices.Relation",
        "BindingStatusEnum": "wuyetong.estates.choices.BindingStatus",
        "ApprovalStatusEnum": "wuyetong.orgs.choices.ApprovalStatus",
        "OrgKindEnum": "wuyetong.orgs.choices.OrgKind",
        "DataScopeEnum": "wuyetong.orgs.choices.DataScope",
        "OpActionEnum": "wuyetong.orgs.choices.OpAction",
        "GenderEnum": "wuyetong.accounts.choices.Gender",
        "NoticeKindEnum": "wuyetong.notices.choices.NoticeKind",
        "NoticeTargetEnum": "wuyetong.notices.choices.NoticeTarget",
        "NoticeStateEnum": "wuyetong.notices.choices.NoticeState",
        "MessageKindEnum": "wuyetong.notices.choices.MessageKind",
        "FeedTopicEnum": "wuyetong.notices.choices.FeedTopic",
        "FeeKindEnum": "wuyetong.billing.choices.FeeKind",
        "ChargeMethodEnum": "wuyetong.billing.choices.ChargeMethod",
        "ChargeTargetEnum": "wuyetong.billing.choices.ChargeTarget",
        "SharedBasisEnum": "wuyetong.billing.choices.SharedBasis",
        "DunningChannelEnum": "wuyetong.billing.choices.DunningChannel",
        "CommitteeRoleEnum": "wuyetong.community.choices.CommitteeRole",
        "EmergencyKindEnum": "wuyetong.community.choices.EmergencyKind",
        "VoteMatterEnum": "wuyetong.community.choices.VoteMatter",
        "VoteStateEnum": "wuyetong.community.choices.VoteState",
        "BallotChoiceEnum": "wuyetong.community.choices.BallotChoice",
        "BallotChannelEnum": "wuyetong.community.choices.BallotChannel",
        "SurveyStateEnum": "wuyetong.community.choices.SurveyState",
        "AnswerModeEnum": "wuyetong.community.choices.AnswerMode",
        "QuestionKindEnum": "wuyetong.community.choices.QuestionKind",
        "ActivityStateEnum": "wuyetong.community.choices.ActivityState",
        "SignupStateEnum": "wuyetong.community.choices.SignupState",
        "HelpKindEnum": "wuyetong.community.choices.HelpKind",
        "ReportReasonEnum": "wuyetong.community.choices.ReportReason",
        "ModerationActionEnum": "wuyetong.community.choices.ModerationAction",
    },
}

# SMS provider: "console" logs the code (development); "aliyun" sends through Aliyun SMS.
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_TEMPLATE_CODE = os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", "")

# Information feed (C7): each topic's provider, "demo" (offline, deterministic) unless set.
# FEED_WEATHER_PROVIDER=amap needs AMAP_WEB_KEY; "rss" reads the FEED_*_RSS channel addresses.
FEED_PROVIDERS = {
    "weather": os.environ.get("FEED_WEATHER_PROVIDER", "demo"),
    "air": os.environ.get("FEED_AIR_PROVIDER", "demo"),
    "traffic": os.environ.get("FEED_TRAFFIC_PROVIDER", "demo"),
    "city_news": os.environ.get("FEED_CITY_NEWS_PROVIDER", "demo"),
    "community_news": os.environ.get("FEED_COMMUNITY_NEWS_PROVIDER", "demo"),
}
AMAP_WEB_KEY = os.environ.get("AMAP_WEB_KEY", "")
FEED_RSS_URLS = {
    "traffic": os.environ.get("FEED_TRAFFIC_RSS", ""),
    "city_news": os.environ.get("FEED_CITY_NEWS_RSS", ""),
    "community_news": os.environ.get("FEED_COMMUNITY_NEWS_RSS", ""),
}
FEED_HTTP_TIMEOUT = float(os.environ.get("FEED_HTTP_TIMEOUT", "4"))
FEED_CACHE_SECONDS = int(os.environ.get("FEED_CACHE_SECONDS", "1800"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@wuyetong.local")

# Online payment (C5): keys from the environment; a gateway without its keys is not offered.
# The sandbox (a local approve/decline page) is on in the embedded mode, off in production.
PAYMENT_GATEWAYS = {
    "sandbox": {
        "enabled": env_bool("PAYMENT_SANDBOX", True),
        "key": os.environ.get("PAYMENT_SANDBOX_KEY", "") or f"sandbox:{SECRET_KEY}",
        # what the sandbox bank answers to a refund: succeeded / failed / processing
        "refund_outcome": os.environ.get("PAYMENT_SANDBOX_REFUND", "succeeded"),
    },
    "wechat": {
        "mchid": os.environ.get("WECHATPAY_MCHID", ""),
        "appid": os.environ.get("WECHATPAY_APPID", ""),
        "serial_no": os.environ.get("WECHATPAY_SERIAL_NO", ""),
        "private_key": os.environ.get("WECHATPAY_PRIVATE_KEY", ""),
        "platform_public_key": os.environ.get("WECHATPAY_PLATFORM_PUBLIC_KEY", ""),
        "platform_serial": os.environ.get("WECHATPAY_PLATFORM_SERIAL", ""),
        "apiv3_key": os.environ.get("WECHATPAY_APIV3_KEY", ""),
        # during a platform key rotation: the key being retired, and its serial
        "platform_public_key_previous": os.environ.get(
            "WECHATPAY_PLATFORM_PUBLIC_KEY_PREVIOUS", ""
        ),
        "platform_serial_previous": os.environ.get("WECHATPAY_PLATFORM_SERIAL_PREVIOUS", ""),
    },
    "alipay": {
        "app_id": os.environ.get("ALIPAY_APP_ID", ""),
        "private_key": os.environ.get("ALIPAY_PRIVATE_KEY", ""),
        "alipay_public_key": os.environ.get("ALIPAY_PUBLIC_KEY", ""),
        "gateway": os.environ.get("ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do"),
    },
}

# Accounts policy (C2)
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
SMS_CODE_TTL_SECONDS = 300
SMS_CODE_RESEND_SECONDS = 60
SMS_CODE_DAILY_LIMIT = 10
SMS_CODE_IP_HOURLY_LIMIT = 30  # codes an hour from one client address, across phones

WUYETONG_ACCESS_RESOLVER = "wuyetong.orgs.access.resolve_access"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    if env_bool("HTTPS", False):
        SECURE_SSL_REDIRECT = True
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Scheduled jobs: Celery beat in production; the embedded scheduler (core.scheduler) in
# `make run`. Later apps add their entries here.
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {"task": "core.scheduler_heartbeat", "schedule": 60.0},
    "notices-publish-due": {"task": "notices.publish_due_notices", "schedule": 60.0},
    # Weather to its subscribers: today's at 7:00, tomorrow's at 19:00 (TIME_ZONE).
    "feed-weather-morning": {
        "task": "notices.push_weather",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {"slot": "morning"},
    },
    "feed-weather-evening": {
        "task": "notices.push_weather",
        "schedule": crontab(hour=19, minute=0),
        "kwargs": {"slot": "evening"},
    },
    "servicedesk-sla-scan": {"task": "servicedesk.sla_scan", "schedule": 60.0},
    "servicedesk-return-visit-scan": {"task": "servicedesk.return_visit_scan", "schedule": 3600.0},
    "community-close-due-votes": {"task": "community.close_due_votes", "schedule": 60.0},
    "community-close-due-surveys": {"task": "community.close_due_surveys", "schedule": 300.0},
    "billing-case-charges": {"task": "billing.case_charges_to_bills", "schedule": 60.0},
    "billing-gateway-refunds-query": {"task": "billing.gateway_refunds_query", "schedule": 300.0},
}
# A refund sent back through a gateway and still processing after this long is asked about
# (and listed in the reconciliation as overdue).
# The site's public address (https://wy.example.com), for gateway callbacks made without a
# browser request at hand; empty: the address the approving request came in on.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
GATEWAY_REFUND_QUERY_AFTER_MINUTES = int(os.environ.get("GATEWAY_REFUND_QUERY_AFTER_MINUTES", "10"))
EMBEDDED_SCHEDULER = env_bool("WUYETONG_EMBEDDED_SCHEDULER", False) and not REDIS_URL
