"""Requests refused before any view: parameters no database can store."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


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
