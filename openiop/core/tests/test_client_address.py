"""Behind our own proxies the audit log and rate limits see the client, never an address the client wrote."""

import pytest
from django.test import RequestFactory

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.client_address import client_address


def request(remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.5"),  # no proxy configured: the header is ignored
        (1, "203.0.113.9", "203.0.113.9"),  # nginx appended the client
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client forged an entry on the left
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),  # load balancer + nginx
        (2, "203.0.113.9", "10.0.0.5"),  # fewer entries than proxies: reached the app around them
        (1, None, "10.0.0.5"),
        (1, " , ", "10.0.0.5"),
    ],
)
def test_the_client_is_the_entry_the_trusted_proxies_vouch_for(settings, trusted, forwarded, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = trusted
    assert client_address(request(forwarded=forwarded)) == expected


def test_audit_events_hash_the_client_behind_the_proxy(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    event = audit_record(action=Action.LOGIN_FAILED, request=request(forwarded="6.6.6.6, 203.0.113.9"))
    assert event.ip_address == "203.0.113.9"


def test_a_forged_non_address_is_not_stored(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert audit_record(action=Action.LOGIN_FAILED, request=request(forwarded="not-an-ip")).ip_address is None
