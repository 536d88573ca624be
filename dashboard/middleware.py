"""Requests refused before any view (parameters no database can store), and what htmx
answers carry besides their part of the page (the messages written for them)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string


class RefuseNulCharacters:
    """A NUL character in a query or form parameter answers 400, naming the parameter.

    PostgreSQL cannot hold NUL in text, and its driver raises on the first query that
    carries one (a 500 deep in a view); nothing legitimate sends one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for params in (request.GET, request.POST):
            for name, values in params.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    shown = name.replace("\x00", "\\0")
                    return HttpResponseBadRequest(
                        f"{shown}: a parameter cannot contain a NUL character",
                        content_type="text/plain; charset=utf-8",
                    )
        return self.get_response(request)


class HtmxMessages:
    """An htmx answer that swaps part of a page also carries the messages written for it
    (django.contrib.messages), swapped out of band into the page's message region: so a
    write's "recorded" or its reason for refusing shows, and stays until dismissed, whatever
    part of the page later polls or redraws. Full pages show them in place (base.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or getattr(response, "streaming", False):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.has_header("Content-Encoding"):
            return response  # compressed once, from the cache: only ever without messages
        if b'id="messages"' in response.content:
            return response  # a whole page (a history restore) shows them itself
        match = getattr(request, "resolver_match", None)
        if match is None or "admin" in match.namespaces:
            return response  # the workbench's pages have no region for them: kept for later
        pending = messages.get_messages(request)
        if not len(pending):
            return response
        response.content += render_to_string(
            "dashboard/base.html#messages", {"messages": pending, "oob": True}
        ).encode()
        return response
