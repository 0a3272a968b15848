"""django-zeal is on for the test suite: an N+1 made while answering a request fails the test (issue 10)."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from zeal import NPlusOneError
from zeal.middleware import zeal_middleware

from openiop.patients.models import EpisodeOfCare


def _names_one_query_each(request):
    # The N+1 zeal exists to catch: one query for the episodes, then one more for each episode's patient.
    return HttpResponse(", ".join(e.patient.record_number for e in EpisodeOfCare.objects.order_by("pk")))


def _names_in_one_query(request):
    episodes = EpisodeOfCare.objects.select_related("patient").order_by("pk")
    return HttpResponse(", ".join(e.patient.record_number for e in episodes))


def test_the_test_settings_run_every_request_under_zeal_and_raise():
    assert settings.MIDDLEWARE[0] == "zeal.middleware.zeal_middleware"
    assert "zeal" in settings.INSTALLED_APPS
    assert settings.ZEAL_RAISE is True


def test_an_n_plus_one_in_a_request_raises(world):
    assert EpisodeOfCare.objects.count() >= 2
    request = RequestFactory().get("/")
    with pytest.raises(NPlusOneError, match="patients.EpisodeOfCare.patient"):
        zeal_middleware(_names_one_query_each)(request)


def test_the_same_page_loading_related_rows_at_once_passes(world):
    response = zeal_middleware(_names_in_one_query)(RequestFactory().get("/"))
    assert world.patient_a.record_number in response.content.decode()
