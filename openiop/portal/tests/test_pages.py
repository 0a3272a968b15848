"""The portal's everyday pages: home, schedule (and the private calendar link), my plan (and signing it),
and the safety plans. Each page shows the signed-in patient's own record and nobody else's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_patient
from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus
from openiop.safety.models import PlanKind
from openiop.safety.tests.factories import draft_of, signed_plan
from openiop.scheduling.calendars import Period
from openiop.scheduling.models import AttendanceStatus, CalendarFeed, Room, SessionAttendee, SessionStatus
from openiop.scheduling.tests.factories import active_episode, session_with
from openiop.skills.models import Homework
from openiop.treatment.models import PlanSignature, PlanStatus, SignatureMethod, SignatureRole
from openiop.treatment.services import plan_submit
from openiop.treatment.tests.factories import active_plan_of, draft_with_content

PAGES = ["portal:home", "portal:schedule", "portal:plan", "portal:safety"]


def _page(client, name="portal:home", **kwargs) -> str:
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200
    return response.content.decode()


# -- Access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_staff_are_refused_and_anonymous_people_sent_to_sign_in(world, client_for, client, name):
    url = reverse(name)
    assert client.get(url).status_code == 302 and reverse("account_login") in client.get(url)["Location"]
    for staff in (world.alice, world.dana, world.adam):
        assert client_for(staff).get(url).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_each_page_shows_the_patients_own_record_and_writes_one_audit_event(world, client_for, name):
    page = _page(client_for(world.pat_b), name)
    assert "Avery" not in page and world.patient_a.record_number not in page
    events = AuditEvent.objects.filter(actor=world.pat_b, patient__isnull=False)  # not the sign-in
    assert events.count() == 1 and events.get().patient == world.patient_b


def test_patients_land_on_the_portal_home(world, client_for):
    assert client_for(world.pat_a).get("/")["Location"] == reverse("portal:home")
    assert client_for(world.pat_a).get(reverse("home:my_care"))["Location"] == reverse("portal:home")


# -- Home -------------------------------------------------------------------------------------------------


def _this_week():
    return Period.week_of(timezone.localdate())


def test_home_greets_by_preferred_name_with_the_next_session_and_what_is_due(world, client_for):
    world.patient_a.preferred_name = "Ave"
    world.patient_a.save()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    session = session_with(world, tomorrow, [active_episode(world.patient_a)], start=10, end=11)
    session.room = Room.objects.create(name="Maple room", capacity=12)
    session.save()
    Homework.objects.create(
        patient=world.patient_a, title="Breathing log", instructions="Twice a day.", due_on=tomorrow
    )
    page = _page(client_for(world.pat_a))
    assert "Hello, Ave" in page
    assert "Maple room" in page and "10:00 AM" in page and "Group therapy" in page
    assert "1 homework task to do" in page
    assert reverse("portal:safety") in page
    assert "Blake" not in page and world.patient_b.record_number not in page


def test_home_shows_an_empty_state_before_admission(world, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    user = make_user("pat_new", Role.PATIENT)
    make_patient(
        given="Rowan", family="Synthetic", program=world.program_a, status=EpisodeStatus.REFERRAL, user=user
    )
    page = _page(client_for(user))
    assert "Hello, Rowan" in page and "not started the program yet" in page
    assert reverse("portal:safety") in page and "988" in page


def test_home_points_to_a_plan_waiting_for_the_patients_signature(world, client_for):
    plan_submit(plan=draft_with_content(world), by=world.alice)
    assert "Your plan is ready to sign" in _page(client_for(world.pat_a))
    assert "Your plan is ready to sign" not in _page(client_for(world.pat_b))


# -- Schedule ---------------------------------------------------------------------------------------------


def test_schedule_shows_only_the_patients_own_bookings_never_the_roster(world, client_for):
    week = _this_week()
    a, b = active_episode(world.patient_a), active_episode(world.patient_b)
    session_with(world, week.first, [a, b], start=9, end=12)  # a group with both booked
    session_with(world, week.first + datetime.timedelta(days=1), [b], start=13, end=14)
    page = _page(client_for(world.pat_a), "portal:schedule")
    assert "9:00 AM" in page and "1:00 PM" not in page
    assert "Blake" not in page and world.patient_b.record_number not in page
    assert "2 booked" not in page and "Alice" not in page  # not how many come, nor who leads it
    assert "1:00 PM" in _page(client_for(world.pat_b), "portal:schedule")


def test_schedule_leaves_out_a_cancelled_booking_and_marks_a_cancelled_session(world, client_for):
    week = _this_week()
    a = active_episode(world.patient_a)
    dropped = session_with(world, week.first, [a], start=8, end=9)
    SessionAttendee.objects.filter(session=dropped).update(status=AttendanceStatus.CANCELLED)
    called_off = session_with(world, week.next.first, [a], start=15, end=16)
    called_off.status = SessionStatus.CANCELLED
    called_off.save()
    page = _page(client_for(world.pat_a), "portal:schedule")
    assert "8:00 AM" not in page
    assert "3:00 PM" in page and "Cancelled" in page


def test_schedule_gives_the_video_link_of_a_telehealth_session(world, client_for):
    session = session_with(world, _this_week().last, [active_episode(world.patient_a)])
    session.room = Room.objects.create(
        name="Video 1", capacity=12, is_telehealth=True, video_link_template="https://video.example/{token}"
    )
    session.save()
    page = _page(client_for(world.pat_a), "portal:schedule")
    assert f"https://video.example/{session.telehealth_token}" in page


def test_a_calendar_link_is_shown_once_and_can_be_stopped(world, client_for):
    client = client_for(world.pat_a)
    response = client.post(reverse("portal:feed_create"))
    assert response["Location"] == reverse("portal:schedule")
    feed = CalendarFeed.objects.get(owner=world.pat_a)
    assert feed.patient == world.patient_a
    first, second = _page(client, "portal:schedule"), _page(client, "portal:schedule")
    assert "/feeds/" in first and ".ics" in first and ".ics" not in second
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(feed.uuid)).count() == 1

    # pat_b cannot stop pat_a's link: it is not found for them.
    url = reverse("portal:feed_revoke", kwargs={"feed_uuid": feed.uuid})
    assert client_for(world.pat_b).post(url).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
    client = client_for(world.pat_a)
    assert client.post(url)["Location"] == reverse("portal:schedule")
    feed.refresh_from_db()
    assert feed.revoked_at is not None


# -- My plan ----------------------------------------------------------------------------------------------


def test_my_plan_shows_the_active_plan_in_the_patients_words(world, client_for):
    active_plan_of(world)
    page = _page(client_for(world.pat_a), "portal:plan")
    assert "I want to get back to work without panicking." in page
    assert "Use one coping skill daily when anxious" in page
    assert "Sign my plan" not in page
    assert "I want to get back to work" not in _page(client_for(world.pat_b), "portal:plan")


def test_a_draft_not_sent_for_signatures_is_never_shown(world, client_for):
    draft_with_content(world)
    page = _page(client_for(world.pat_a), "portal:plan")
    assert "get back to work" not in page and "Sign my plan" not in page


@pytest.fixture
def to_sign(world):
    return plan_submit(plan=draft_with_content(world), by=world.alice)


def _sign(client, plan, name, attested=True):
    data = {"version": str(plan.uuid), "signed_name": name}
    if attested:
        data["attested"] = "on"
    return client.post(reverse("portal:plan"), data)


def _patient_signatures(plan):
    return PlanSignature.objects.filter(plan=plan, role=SignatureRole.PATIENT)


def test_a_name_that_is_not_the_patients_is_refused_and_nothing_is_stored(world, client_for, to_sign):
    client = client_for(world.pat_a)
    assert "Sign my plan" in _page(client, "portal:plan")
    response = _sign(client, to_sign, "Blake Synthetic")
    assert (
        response.status_code == 200 and "does not match the name on your record" in response.content.decode()
    )
    response = _sign(client, to_sign, "Avery Synthetic", attested=False)
    assert response.status_code == 200 and "Tick the box" in response.content.decode()
    assert not _patient_signatures(to_sign).exists()


def test_the_patient_signs_once_with_their_own_account(world, client_for, to_sign):
    world.patient_a.preferred_name = "Ave"
    world.patient_a.save()
    client = client_for(world.pat_a)
    response = _sign(client, to_sign, "  ave   SYNTHETIC ")
    assert response.status_code == 302
    signature = _patient_signatures(to_sign).get()
    assert signature.method == SignatureMethod.PORTAL and signature.signer == world.pat_a
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, actor=world.pat_a, patient=world.patient_a, object_id=str(to_sign.uuid)
    ).exists()
    assert "You signed your new plan" in _page(client, "portal:plan")
    # A second attempt signs nothing more.
    assert _sign(client, to_sign, "Avery Synthetic").status_code == 302
    assert _patient_signatures(to_sign).count() == 1


def test_another_patient_cannot_sign_someone_elses_plan(world, client_for, to_sign):
    response = _sign(client_for(world.pat_b), to_sign, "Blake Synthetic")
    assert response.status_code == 302
    assert not _patient_signatures(to_sign).exists()


def test_a_plan_changed_since_it_was_read_is_not_signed(world, client_for, to_sign):
    client = client_for(world.pat_a)
    data = {
        "version": "00000000-0000-0000-0000-000000000000",
        "signed_name": "Avery Synthetic",
        "attested": "on",
    }
    assert client.post(reverse("portal:plan"), data).status_code == 302
    assert not _patient_signatures(to_sign).exists()
    to_sign.refresh_from_db()
    assert to_sign.status == PlanStatus.AWAITING_SIGNATURES


# -- Safety plans -----------------------------------------------------------------------------------------


def test_safety_page_before_a_plan_is_made(world, client_for):
    draft_of(world.patient_a, world.alice)  # a draft is the team's, not shown
    page = _page(client_for(world.pat_a), "portal:safety")
    assert "Your safety plan will appear here once you make it with your clinician." in page
    assert "988" in page and "911" in page


def test_safety_page_shows_the_signed_plans_and_their_pdf(world, client_for):
    signed_plan(world.patient_a, world.alice)
    signed_plan(world.patient_a, world.alice, kind=PlanKind.RELAPSE_PREVENTION)
    page = _page(client_for(world.pat_a), "portal:safety")
    assert "Safety plan" in page and "Relapse-prevention plan" in page
    assert page.index("988") < page.index("Print / download")
    pdf_url = reverse("portal:safety_pdf", kwargs={"kind": "safety-plan"})
    assert pdf_url in page
    assert "will appear here" not in page
    assert "will appear here" in _page(client_for(world.pat_b), "portal:safety")

    response = client_for(world.pat_a).get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        AuditEvent.objects.filter(action=Action.EXPORT, actor=world.pat_a, patient=world.patient_a).count()
        == 1
    )
    assert client_for(world.pat_b).get(pdf_url).status_code == 404
    assert (
        client_for(world.pat_a).get(reverse("portal:safety_pdf", kwargs={"kind": "nope"})).status_code == 404
    )
