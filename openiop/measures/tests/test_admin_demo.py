"""The demo's schedules and questionnaires: realistic courses, one open and one closed urgent alert for
the demo clinician, something due, and a second load that adds nothing."""

import pytest
from django.utils import timezone

from openiop.demo.builder import load_demo
from openiop.measures.change import assess_instrument_change
from openiop.measures.demo_admin import load_demo_measures
from openiop.measures.models import Administration, AlertStatus, MeasureAlert, MeasureSchedule
from openiop.measures.registry import get_instrument
from openiop.measures.selectors import caseload_due
from openiop.patients.models import EpisodeOfCare, EpisodeStatus


@pytest.fixture
def demo(db, settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1
    return load_demo().created["questionnaires"]  # load_demo_measures inside


def _course(episode, code="PHQ-9"):
    return list(
        Administration.objects.in_use()
        .filter(episode=episode, instrument_code=code)
        .order_by("completed_on")
        .values_list("total", flat=True)
    )


def test_the_demo_questionnaires(demo):
    assert demo > 0
    schedules = set(MeasureSchedule.objects.values_list("program__focus", "instrument_code", "occasion"))
    assert ("mental_health", "PCL-5", "admission") in schedules
    assert ("co_occurring", "AUDIT-C", "admission") in schedules
    assert ("mental_health", "PHQ-9", "weekly") in schedules and (
        "co_occurring",
        "GAD-7",
        "weekly",
    ) in schedules

    phq9 = get_instrument("PHQ-9")
    classes = []
    for episode in EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE, patient__is_synthetic=True):
        course = _course(episode)
        assert course, f"no PHQ-9 for {episode}"
        if len(course) >= 5:
            classes.append(assess_instrument_change(phq9, course[0], course[-1]).classification)
    assert classes.count("reliable_improvement") > len(classes) / 2
    assert "reliable_deterioration" in classes or "no_reliable_change" in classes

    alerts = MeasureAlert.objects.all()
    assert alerts.filter(status=AlertStatus.OPEN).count() == 1
    open_alert = alerts.get(status=AlertStatus.OPEN)
    assert open_alert.assigned_to.username == "clinician" and open_alert.flag == "critical_item_9"
    closed = alerts.get(status=AlertStatus.CLOSED)
    assert closed.closing_action and closed.closing_note and closed.patient == open_alert.patient

    from openiop.accounts.models import User

    assert caseload_due(User.objects.get(username="clinician"), timezone.localdate()) or caseload_due(
        User.objects.get(username="clinician2"), timezone.localdate()
    )
    before = Administration.objects.count()
    assert load_demo_measures(today=timezone.localdate()) == 0
    assert Administration.objects.count() == before
