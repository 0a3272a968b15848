"""The transition packet: what it gathers, and that it leaves only through the disclosure service."""

import datetime
import hashlib

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.coordination.models import Disclosure
from openiop.coordination.services import PART2_NOTICE_SHORT, DisclosureRefused
from openiop.coordination.tests.factories import part2_consent, therapist
from openiop.measures.tests.outcome_factories import administer
from openiop.scheduling.models import AttendanceStatus, SessionAttendee, SessionStatus
from openiop.scheduling.tests.factories import active_episode, session_with
from openiop.transitions import services
from openiop.transitions.packet import DISCHARGE, STEP_DOWN, build_packet

pytestmark = pytest.mark.django_db


def _attend(world, episode, day, status, *, start=9, end=12, minutes=None):
    session = session_with(world, day, [episode], start=start, end=end)
    SessionAttendee.objects.filter(session=session).update(status=status, minutes_attended=minutes)
    return session


def test_services_count_attended_sessions_as_the_ledger_does(world):
    episode = active_episode(world.patient_a)
    _attend(world, episode, datetime.date(2026, 11, 2), AttendanceStatus.PRESENT)  # 180
    _attend(world, episode, datetime.date(2026, 11, 4), AttendanceStatus.LATE, minutes=150)
    _attend(world, episode, datetime.date(2026, 11, 6), AttendanceStatus.ABSENT_UNEXCUSED)
    cancelled = _attend(world, episode, datetime.date(2026, 11, 9), AttendanceStatus.PRESENT)
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    packet = build_packet(episode, kind=DISCHARGE, today=datetime.date(2026, 11, 27))
    [line] = packet.services
    assert (line.label, line.sessions, line.minutes) == ("Group therapy", 2, 330)
    assert packet.total_hours == "5.5"


def test_measures_show_start_end_and_the_change_classification(world):
    episode = active_episode(world.patient_a)
    administer(episode, "PHQ-9", 18, datetime.date(2026, 9, 8))
    administer(episode, "PHQ-9", 8, datetime.date(2026, 11, 23))
    packet = build_packet(episode, kind=STEP_DOWN, today=datetime.date(2026, 11, 27))
    [line] = [m for m in packet.measures if "PHQ" in m.title]
    assert (line.start_score, line.end_score) == (18, 8)
    assert line.classification == "Reliable improvement"


def test_an_empty_episode_gives_an_empty_but_complete_packet(world):
    packet = build_packet(active_episode(world.patient_b), kind=DISCHARGE, today=timezone.localdate())
    assert packet.services == [] and packet.measures == [] and packet.objectives == []
    assert packet.safety_plan is None and packet.medications == [] and packet.aftercare == []
    assert [number for number, _ in packet.crisis_resources] == ["988", "911"]


def test_unknown_kind_is_an_error(world):
    with pytest.raises(ValueError):
        build_packet(active_episode(world.patient_a), kind="sideways", today=timezone.localdate())


def test_packet_is_refused_without_consent_and_nothing_is_recorded(world):
    with pytest.raises(DisclosureRefused):
        services.packet_send_pdf(
            episode=active_episode(world.patient_a),
            kind=DISCHARGE,
            recipient=therapist(),
            purpose="treatment",
            by=world.alice,
        )
    assert not Disclosure.objects.exists()
    refusal = AuditEvent.objects.filter(action=Action.EXPORT).get()
    assert refusal.outcome == "refused"


def test_consent_for_other_information_does_not_cover_the_packet(world):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=("attendance",))
    with pytest.raises(DisclosureRefused):
        services.packet_send_pdf(
            episode=active_episode(world.patient_a),
            kind=DISCHARGE,
            recipient=provider,
            purpose="treatment",
            by=world.alice,
        )


def test_packet_with_consent_carries_the_notice_medications_and_is_accounted(world):
    provider = therapist()
    part2_consent(world.patient_a, provider, world.alice, categories=("transition_packet",))
    services.medication_add(patient=world.patient_a, by=world.paul, name="Sertraline", dose="50 mg")
    disclosure, content = services.packet_send_pdf(
        episode=active_episode(world.patient_a),
        kind=DISCHARGE,
        recipient=provider,
        purpose="treatment",
        by=world.alice,
    )
    assert content.startswith(b"%PDF") and PART2_NOTICE_SHORT.encode() in content
    assert disclosure.categories == ["transition_packet"] and disclosure.part2
    assert disclosure.sha256 == hashlib.sha256(content).hexdigest()
    assert list(disclosure.consents.values_list("categories", flat=True)) == [["transition_packet"]]


def test_the_packet_document_shows_every_section(world):
    episode = active_episode(world.patient_a)
    services.medication_add(
        patient=world.patient_a, by=world.paul, name="Sertraline", dose="50 mg", directions="daily"
    )
    administer(episode, "PHQ-9", 18, datetime.date(2026, 9, 8))
    packet = build_packet(episode, kind=DISCHARGE, today=datetime.date(2026, 11, 27))
    html = render_to_string(services.PACKET_TEMPLATE, {"packet": packet, "recipient": therapist()})
    for text in (
        "Discharge transition packet",
        world.patient_a.legal_name,
        "Services received",
        "Measures at start and end",
        "Only one score",
        "Treatment plan and progress",
        "Safety plan",
        "Sertraline 50 mg",
        "Aftercare",
        "988",
        "911",
    ):
        assert text in html, text
