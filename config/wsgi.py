"""WSGI entry point (gunicorn config.wsgi; runserver loads it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.startup import require_production_settings  # noqa: E402 (needs settings)

require_production_settings()
