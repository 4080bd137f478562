"""ASGI entry point."""

from django.core.asgi import get_asgi_application

from crm import use_default_settings

use_default_settings()
application = get_asgi_application()
