"""Which settings module runs: DJANGO_ENV=production selects crm.settings.production."""

import os


def use_default_settings() -> None:
    """Set DJANGO_SETTINGS_MODULE unless the environment already names one."""
    profile = "production" if os.environ.get("DJANGO_ENV") == "production" else "base"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"crm.settings.{profile}")
