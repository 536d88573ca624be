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


PROXY = "10.0.0.5"  # the TLS proxy: the address of every connection behind it


def test_behind_the_proxy_each_client_is_counted_by_the_address_the_proxy_saw(analyst, settings):
    """One attacker's failures lock the attacker's address out, not everyone behind the
    proxy; the entries a client writes into X-Forwarded-For itself change nothing."""
    settings.BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR=PROXY)
    for n in range(5):  # a new made-up address each time, then the one the proxy appends
        attacker.defaults["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{n}, 203.0.113.66"
        log_in(attacker, analyst.username, "wrong")
    assert log_in(attacker, analyst.username, PASSWORD).status_code == 429
    victim = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert log_in(victim, analyst.username, PASSWORD).status_code == 302


def test_without_a_proxy_a_made_up_forwarded_address_is_ignored(analyst, settings):
    settings.BEHIND_PROXY = False
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(5):
        client.defaults["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{n}"
        log_in(client, analyst.username, "wrong")
    assert log_in(client, analyst.username, PASSWORD).status_code == 429
