"""All settings, read from the environment (see the README's configuration table)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "leads",
    "notifications",
    "handoff",
    "metrics",
    "imports",
    "integrations",
    "alignment",
    "crm",
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
    "crm.not_allowed.NotAllowedPageMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.shell",
            ],
        },
    },
]

# Database: DATABASE_URL, else a SQLite file in the project (the embedded default).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English and Spanish; every KPI day is a day in TIME_ZONE.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
CURRENCY = env("CURRENCY", default="USD")

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# CSV lead imports (/leads/import/): the largest file taken, in bytes (a form error above it).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")
# The address emails link to (a notice's lead page): scheme, host and port the users reach.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Celery: with no broker configured, tasks run in process (eagerly) so nothing else
# has to run; set CELERY_BROKER_URL (or REDIS_URL) to use a real worker and beat.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# `make demo` (crm/management/commands/demo_serve.py) runs a real worker with beat and no
# server: kombu's filesystem transport, one message per file in a git-ignored folder.
CELERY_FILESYSTEM_FOLDER = Path(
    env("CELERY_FILESYSTEM_FOLDER", default=str(BASE_DIR / "var" / "celery"))
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_FOLDER / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Work is queued from rows already committed (dirty cells, webhook deliveries, breaches)
# and beat sweeps them again, so a down broker must not stall a request: fail fast.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "handoff-sla-sweep": {"task": "handoff.sla_sweep", "schedule": 60.0},
}
# Queueing never fails a request (leads/queueing.py): work that must happen is a row written
# with the change, and these sweeps send what a down broker left behind. A task whose worker
# dies mid-run goes back to the queue (acks late, rejected on worker loss); every task is
# idempotent.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
IMPORT_REQUEUE_AFTER_SECONDS = env.int("IMPORT_REQUEUE_AFTER_SECONDS", default=120)
CELERY_BEAT_SCHEDULE["notifications-email-sweep"] = {
    "task": "notifications.tasks.email_sweep",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["imports-requeue-stuck"] = {
    "task": "imports.tasks.requeue_stuck",
    "schedule": 60.0,
}

# The workflow: default SLA response time when no policy band matches a lead's score.
SLA_DEFAULT_RESPONSE_HOURS = env.int("SLA_DEFAULT_RESPONSE_HOURS", default=24)

# Logs: one stream on stdout; LOG_FORMAT=json writes JSON lines (the production default,
# crm/settings/production.py), text stays readable for development and tests. Every record
# carries the request id (crm/logs.py); the worker and beat use this same config (crm/celery.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per task run is noise when tasks run in process (the embedded default).
    "loggers": {"celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")}},
}

# REST API v1 (crm/api.py): token or session auth, cursor pagination, per-token throttling,
# one error body. Throttle rates are read at request time from the settings below.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "leads.api.common.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations.authentication.TokenRateThrottle",
        "integrations.authentication.AnonRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's JSON parser with a size (413) and nesting (400) bound.
    "DEFAULT_PARSER_CLASSES": ["leads.api.common.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
}
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="6000/min")
API_ANON_THROTTLE_RATE = env("API_ANON_THROTTLE_RATE", default="600/min")
# Throttle counters: in each process's memory unless API_THROTTLE_REDIS_URL shares them
# across web processes (a throttle whose cache is down lets requests through).
API_THROTTLE_REDIS_URL = env("API_THROTTLE_REDIS_URL", default="")
CACHES = globals().get("CACHES") or {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
if API_THROTTLE_REDIS_URL:
    CACHES["throttle"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": API_THROTTLE_REDIS_URL,
        "KEY_PREFIX": "throttle",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
API_THROTTLE_CACHE = "throttle" if API_THROTTLE_REDIS_URL else "default"
API_BULK_MAX_ROWS = 1000
SPECTACULAR_SETTINGS = {
    "TITLE": "Lead handoff API",
    "DESCRIPTION": (
        "REST API v1 of the lead handoff CRM. Authenticate integrations with "
        "`Authorization: Token <key>` (keys from `manage.py create_api_token`); the browser "
        "uses its session and a CSRF token. Every error has the body "
        '`{"detail", "code", ...}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.api.postprocess_schema",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "leads.models.Channel",
        "LeadStatusEnum": "leads.models.LeadStatus",
        "CampaignStatusEnum": "leads.models.CampaignStatus",
        "OpportunityStageEnum": "leads.models.OpportunityStage",
        "RejectionReasonEnum": "handoff.models.RejectionReason",
        "HandoffOutcomeEnum": "handoff.models.HandoffOutcome",
        "AgreementStatusEnum": "alignment.status.STATUSES",
        "LossReasonEnum": "leads.models.LossReason",
        "WinReasonEnum": "leads.models.WinReason",
    },
}

# Webhooks (integrations/webhooks/, integrations/tasks.py): signed POSTs with retries and backoff.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
CELERY_BEAT_SCHEDULE["webhooks-retry-due"] = {
    "task": "crm.tasks.webhooks_retry_due",
    "schedule": 60.0,
}
# Idempotency-Key answers are replayed for this long, then forgotten by a beat task.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
CELERY_BEAT_SCHEDULE["idempotency-keys-prune"] = {
    "task": "crm.tasks.idempotency_keys_prune",
    "schedule": 3600.0,
}

# KPI rollups: recompute the dirty cells (a safety net behind the on-commit refresh, and
# how pending handoffs that fall past their SLA become breaches without any move).
CELERY_BEAT_SCHEDULE["metrics-refresh-dirty"] = {
    "task": "metrics.tasks.refresh_dirty_cells",
    "schedule": 30.0,
}

# ---- Production stack (issue 10): probes, request logs, worker delivery guarantees ----
# The probes answer first (before host checks and the HTTPS redirect); the request log
# wraps everything else so its duration and status are the ones the client saw.
MIDDLEWARE = ["crm.health.HealthCheckMiddleware", "crm.logs.RequestLogMiddleware", *MIDDLEWARE]
# (A task is acknowledged after it ran and handed back if its worker dies: see the
# queueing block above, CELERY_TASK_ACKS_LATE and CELERY_TASK_REJECT_ON_WORKER_LOST.)
# The worker's processes (default: one per CPU); logs go through LOGGING above.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# ---- end of the production stack block ----

# ---------------------------------------------------------------------------------------
# Security (see SECURITY.md): login lockout (django-axes), throttling of failed API
# authentication, Content-Security-Policy (django-csp). One block, appended to the lists
# above so the lists themselves stay as they are.
# ---------------------------------------------------------------------------------------
INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
# AxesMiddleware turns a locked-out sign-in into the lockout page; it must come last.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair
# is locked out for LOGIN_COOLOFF_MINUTES (a failure during the lockout restarts it).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_MINUTES", default=15.0) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.security.lockout_response"
AXES_VERBOSE = False
# The client address is REMOTE_ADDR unless NUM_PROXIES trusted proxies append to
# X-Forwarded-For (then the address they saw): a client cannot pick its own address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"
# Failed API authentication (a bad or revoked token): API_AUTH_FAILURE_LIMIT per client
# address within API_AUTH_FAILURE_WINDOW seconds, then 429 with Retry-After until the
# window ends. Counted in the throttle cache (API_THROTTLE_CACHE).
API_AUTH_FAILURE_LIMIT = env.int("API_AUTH_FAILURE_LIMIT", default=20)
API_AUTH_FAILURE_WINDOW = env.int("API_AUTH_FAILURE_WINDOW", default=300)
# Content-Security-Policy: only our own scripts, styles and images; no inline script,
# handler or style attribute. The API docs page loosens it for itself (crm/api.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# The weekly digest (alignment): every Monday at 08:00 in TIME_ZONE (CELERY_TIMEZONE), to
# every active user who has not opted out. Its links start with SITE_URL (above).
CELERY_BEAT_SCHEDULE["alignment-weekly-digest"] = {
    "task": "alignment.tasks.send_weekly_digest",
    "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
}
