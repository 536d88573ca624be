"""One rule for who reads and who writes, for pages, the API and triage."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard.access import RECORD, TRIAGE, allowed, can_read, readable

pytestmark = pytest.mark.django_db


def page(request):
    return HttpResponse("the page")


def request_by(user, path="/indicators/x/?period=1y"):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.mark.parametrize("public", [True, False])
def test_anyone_reads_a_public_dashboard_and_only_users_a_private_one(settings, reader, public):
    settings.DASHBOARD_PUBLIC = public
    assert can_read(AnonymousUser()) is public
    assert can_read(reader) is True
    response = readable(page)(request_by(AnonymousUser()))
    if public:
        assert response.content == b"the page"
    else:  # sent to log in, and back to the same page afterwards
        assert response.status_code == 302
        assert response["Location"].endswith("?next=/indicators/x/%3Fperiod%3D1y")


def test_writes_need_the_permission(analyst, reader):
    assert allowed(RECORD)(page)(request_by(analyst)).content == b"the page"
    assert allowed(TRIAGE)(page)(request_by(analyst)).content == b"the page"
    with pytest.raises(Exception) as refused:  # PermissionDenied: a 403 page
        allowed(RECORD)(page)(request_by(reader))
    assert type(refused.value).__name__ == "PermissionDenied"
    anonymous = allowed(RECORD)(page)(request_by(AnonymousUser()))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
