"""Login throttling: five wrong passwords lock that username from that address, for a while."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.clock import NOW

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def log_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_failures_lock_the_username_at_that_address_then_the_lock_lifts(analyst):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        assert log_in(client, analyst.username, "wrong").status_code == 200  # the form again
    assert log_in(client, analyst.username, "wrong").status_code == 429  # the fifth locks
    locked = log_in(client, analyst.username, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page and "locked for 15 minutes" in page
    assert "_auth_user_id" not in client.session
    # Another address, or another user, is not locked out by it.
    assert log_in(Client(REMOTE_ADDR="198.51.100.2"), analyst.username, PASSWORD).status_code == 302
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        assert log_in(client, analyst.username, PASSWORD).status_code == 302
