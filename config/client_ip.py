"""The address a request came from, as the login throttle (django-axes) counts it.

Behind the TLS proxy (TRUST_X_FORWARDED_PROTO), every connection comes from the proxy, which
appends the address it saw to X-Forwarded-For: the last entry is the only one to trust (a
client may send any entries of its own before it). Without a proxy the header is the
client's own invention, and the connection's address is used.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")
