import pytest

from openiop.demo.builder import load_demo
from openiop.discharge.models import Discharge, DischargeStatus
from openiop.discharge.selectors import discharge_checklist
from openiop.patients.models import EpisodeOfCare, EpisodeStatus

pytestmark = pytest.mark.django_db


def test_demo_discharges():
    load_demo()
    discharged = EpisodeOfCare.objects.filter(status=EpisodeStatus.DISCHARGED)
    closed = Discharge.objects.filter(status=DischargeStatus.CLOSED)
    assert closed.count() == discharged.count() > 0
    assert all(d.appointments.count() == 1 for d in closed)
    in_progress = Discharge.objects.get(status=DischargeStatus.OPEN)
    assert in_progress.episode.status == EpisodeStatus.ACTIVE
    assert any(item.state == "missing" for item in discharge_checklist(in_progress))
    assert load_demo().created.get("discharge records", 0) == 0
