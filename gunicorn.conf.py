"""gunicorn's settings, from the environment.

    gunicorn --config gunicorn.conf.py crm.wsgi:application

Request lines come from the app itself (crm/logs.py: request id, status, duration), so
gunicorn's access log is off and its own messages use the app's log format.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle each worker after about this many requests (bounds any slow leak; 0: never).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"
# gunicorn 27's control socket (one fixed path per user) is not used here.
control_socket_disable = True

_production = os.environ.get("DJANGO_ENV") == "production"
if os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json":
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": True,
    }
    _stdout = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {"console": _stdout},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            # Requests are logged by the app (crm/logs.py), once, with their request id.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
