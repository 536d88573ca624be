"""What the web server checks as it starts."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_settings() -> None:
    """Refuse to serve without DEBUG unless SECRET_KEY and ALLOWED_HOSTS are set.

    Settings load for every manage.py command, and the offline ones (makemigrations,
    collectstatic while the image builds) need neither, so the web server (gunicorn or
    runserver, through config.wsgi) enforces them here, with a message naming the variable.
    Elsewhere, Django itself refuses to sign anything with an empty SECRET_KEY.
    """
    if settings.DEBUG:
        return
    missing = []
    try:
        settings.SECRET_KEY  # noqa: B018 (Django raises on an empty one)
    except ImproperlyConfigured:
        missing.append("SECRET_KEY must be set when DEBUG is off.")
    if not settings.ALLOWED_HOSTS:
        missing.append("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
    if missing:
        raise ImproperlyConfigured(" ".join(missing))
