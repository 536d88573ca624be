"""The request type of the read side's views, as in django-htmx's example project."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware: `request.htmx` is set."""

    htmx: HtmxDetails
