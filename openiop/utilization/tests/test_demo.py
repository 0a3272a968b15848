import pytest
from django.utils import timezone

from openiop.demo.builder import load_demo
from openiop.utilization.models import PayerAuthorization
from openiop.utilization.selectors import rows_of

pytestmark = pytest.mark.django_db


def test_demo_shows_one_authorization_near_its_limit_and_one_ending_soon():
    load_demo()
    rows = rows_of(PayerAuthorization.objects.select_related("episode__program"), today=timezone.localdate())
    assert rows
    near = [row for row in rows if row.usage.near_limit and not row.usage.exhausted]
    soon = [row for row in rows if row.usage.ending_soon]
    assert len(near) == 1 and near[0].authorization.unit == "hours"
    assert len(soon) == 1 and soon[0].authorization.unit == "sessions"
    assert load_demo().created.get("payer authorizations", 0) == 0
