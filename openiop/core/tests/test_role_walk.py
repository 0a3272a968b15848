"""Every page as every role: who is let in, who is refused, and that a refusal shows no PHI.

ALLOW: 2xx or a redirect inside the app. REFUSE: 403 (signed in) or a redirect to sign-in (anonymous).
BTG: the break-the-glass prompt instead of the chart. Adding a URL means adding it here or in the app's own
`tests/routes.py` (core/tests/roles.py); the last test fails for a page walked nowhere.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from openiop.accounts.services import token_create
from openiop.home.models import Task
from openiop.intake.models import LevelOfCareAssessment
from openiop.intake.rubric_registry import get_rubric
from openiop.intake.services import (
    assessment_record,
    referral_create,
    referral_document_add,
    referral_link_patient,
)
from openiop.patients.models import EpisodeOfCare
from openiop.patients.services import break_glass_open
from openiop.scheduling.calendars import calendar_feed_create
from openiop.scheduling.models import Room, Session, SessionAttendee, SessionKind, SessionType
from openiop.scheduling.tests.factories import enrol, group_series

from .roles import ALLOW, BTG, CLINICAL, REFUSE, ROLES, STAFF, app_tables, only
from .test_url_policies import walk

# route name -> (method, kwargs builder, expectations by role)
ROUTES = {
    "intake:selfcheck": ("get", lambda w: {}, only(*ROLES)),
    "intake:selfcheck_thanks": ("get", lambda w: {}, only(*ROLES)),
    "home:index": ("get", lambda w: {}, only(*ROLES[1:])),
    "home:my_day": ("get", lambda w: {}, only(*CLINICAL)),
    "home:task_done": ("post", lambda w: {"task_uuid": w.task.uuid}, only("alice")),
    "home:my_care": ("get", lambda w: {}, only("pat_a", "pat_b")),
    "patients:list": ("get", lambda w: {}, only(*CLINICAL)),
    "patients:add": ("get", lambda w: {}, only("ivan", "dana")),
    "patients:chart": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    "patients:break_glass": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana", "bob"),
    ),
    "patients:review_break_glass": ("get", lambda w: {"access_uuid": w.access.uuid}, only("dana", "audrey")),
    "intake:referral_board": ("get", lambda w: {}, only("ivan", "dana")),
    "intake:referral_create": ("get", lambda w: {}, only("ivan", "dana")),
    "intake:referral_detail": ("get", lambda w: {"referral_uuid": w.referral.uuid}, only("ivan", "dana")),
    # Empty POSTs re-render the detail page with the form's errors (200) for those who may act.
    "intake:referral_transition": (
        "post",
        lambda w: {"referral_uuid": w.referral.uuid},
        only("ivan", "dana"),
    ),
    "intake:referral_link": ("post", lambda w: {"referral_uuid": w.referral.uuid}, only("ivan", "dana")),
    "intake:referral_document_upload": (
        "post",
        lambda w: {"referral_uuid": w.referral.uuid},
        only("ivan", "dana"),
    ),
    "intake:referral_document": ("get", lambda w: {"document_uuid": w.document.uuid}, only("ivan", "dana")),
    "audit:report": ("get", lambda w: {}, only("audrey")),
    "audit:export": ("get", lambda w: {}, only("audrey")),
    "accounts:profile": ("get", lambda w: {}, only(*STAFF)),
    # An empty form re-renders (200) for staff; revoking is for the token's owner, others see 404.
    "accounts:token_create": ("post", lambda w: {}, only(*STAFF)),
    "accounts:token_revoke": (
        "post",
        lambda w: {"token_uuid": w.token.uuid},
        only("alice", **{role: "status 404" for role in STAFF - {"alice"}}),
    ),
    "intake:admit": ("get", lambda w: {"episode_uuid": w.referral_b.uuid}, only("ivan", "dana")),
    "intake:waitlist_add": ("get", lambda w: {"episode_uuid": w.referral_b.uuid}, only("ivan", "dana")),
    "intake:waitlist": ("get", lambda w: {}, only("ivan", "dana")),
    "intake:due_items": ("get", lambda w: {}, only("ivan", "dana")),
    # bob is in the program but not on the care team: no chart, so no change of level either.
    "intake:transition_create": (
        "get",
        lambda w: {"episode_uuid": w.patient_a.episodes.get(status="active").uuid},
        only("alice", "paul", "ivan", "dana"),
    ),
    "intake:certify": (
        "get",
        lambda w: {"episode_uuid": w.patient_a.episodes.get(status="active").uuid},
        only("paul"),
    ),
    # Assessing is for the program's clinicians, psychiatrists and director (bob too: a new referral has no
    # care team yet); reading a signed assessment follows the chart. An empty preview POST renders the panel.
    "intake:assessment_create": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "bob", "paul", "dana"),
    ),
    "intake:assessment_preview": (
        "post",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "bob", "paul", "dana"),
    ),
    "intake:assessment_detail": (
        "get",
        lambda w: {"assessment_uuid": w.assessment.uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    # Sessions: the programs' clinicians, psychiatrists and directors (charlie sees program B's week).
    "scheduling:session_list": ("get", lambda w: {}, only("alice", "bob", "paul", "dana", "charlie")),
    # An empty POST warns and redirects to the week (allowed) for directors only.
    "scheduling:sessions_generate": ("post", lambda w: {}, only("dana")),
    # Attendance: those who lead the session (alice facilitates it) and the program's director.
    "scheduling:attendance": ("get", lambda w: {"session_uuid": w.session.uuid}, only("alice", "dana")),
    # Cancelling a session: whoever records its attendance (alice leads it) and the program's director.
    "scheduling:session_cancel": ("get", lambda w: {"session_uuid": w.session.uuid}, only("alice", "dana")),
    # A program's recurring groups, a group's roster and the program's closures: the program's director.
    "scheduling:group_list": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "scheduling:roster": ("get", lambda w: {"series_uuid": w.series.uuid}, only("dana")),
    "scheduling:closures": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    # Planning the week with the optimizer: the program's director. Empty POSTs warn and redirect.
    "scheduling:week_plan": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "scheduling:week_plan_build": ("post", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "scheduling:week_plan_change": ("post", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "scheduling:week_plan_publish": ("post", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    # The weekly hours ledger follows the chart.
    "scheduling:ledger": (
        "get",
        lambda w: {"episode_uuid": w.patient_a.episodes.get(status="active").uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    # Calendars: any clinical staff opens the index and a room's occupancy; a patient's follows the chart;
    # a clinician's is theirs and their director's; a program's is for its staff.
    "scheduling:calendar": ("get", lambda w: {}, only(*CLINICAL)),
    "scheduling:calendar_patient": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    "scheduling:calendar_clinician": ("get", lambda w: {"user_uuid": w.alice.uuid}, only("alice", "dana")),
    "scheduling:calendar_room": ("get", lambda w: {"room_uuid": w.room.uuid}, only(*CLINICAL)),
    "scheduling:calendar_program": (
        "get",
        lambda w: {"program_uuid": w.program_a.uuid},
        only("alice", "bob", "paul", "ivan", "dana"),
    ),
    # Calendar feeds: one's own list; a feed of one's sessions for those who lead sessions; a patient's
    # feed follows the chart; revoking is for the feed's owner (others: 404); the feed itself is public,
    # its token being the credential.
    "scheduling:feeds": ("get", lambda w: {}, only(*CLINICAL)),
    "scheduling:feed_create": ("post", lambda w: {}, only("alice", "bob", "paul", "dana", "charlie")),
    "scheduling:feed_create_patient": (
        "post",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    "scheduling:feed_revoke": (
        "post",
        lambda w: {"feed_uuid": w.feed.uuid},
        only("alice", **{role: "status 404" for role in CLINICAL - {"alice"}}),
    ),
    "scheduling:feed_ics": ("get", lambda w: {"token": w.feed_token}, only(*ROLES)),
}
ROUTES.update(app_tables("routes", "ROUTES"))


@pytest.fixture
def walked(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # A referral of program A for patient_a (linked, so a refusal must not show their details either).
    world.referral = referral_create(
        created_by=world.ivan,
        program=world.program_a,
        source="primary_care",
        given_name="Avery",
        family_name="Synthetic",
        date_of_birth=world.patient_a.date_of_birth,
        reason="Walk",
    )
    world.referral = referral_link_patient(referral=world.referral, by=world.ivan, patient=world.patient_a)
    world.document = referral_document_add(
        referral=world.referral, upload=SimpleUploadedFile("walk.pdf", b"%PDF-1.4\n%%EOF\n"), by=world.ivan
    )
    world.task = Task.objects.create(
        title="Call back", assigned_to=world.alice, due_on=datetime.date(2026, 12, 1), patient=world.patient_a
    )
    # bob broke the glass for patient_a yesterday: the review page needs an access, and bob's has expired.
    world.access = break_glass_open(
        user=world.bob, patient=world.patient_a, reason="Covering for alice, crisis call"
    )
    world.access.expires_at = world.access.granted_at - datetime.timedelta(hours=20)
    world.access.granted_at -= datetime.timedelta(days=1)
    world.access.save()
    world.token, _ = token_create(user=world.alice, name="walk")
    world.assessment = assessment_record(
        patient=world.patient_a,
        by=world.alice,
        rubric=get_rubric("openiop-loc"),
        ratings=dict.fromkeys([dimension.id for dimension in get_rubric("openiop-loc").dimensions], 2),
        determined_level="intensive_outpatient",
        assessed_on=datetime.date(2026, 9, 8),
    )
    # patient_b referred again to program A and assessed: the admission and waitlist pages need one.
    world.referral_b = EpisodeOfCare.objects.create(
        patient=world.patient_b, program=world.program_a, referred_on=datetime.date(2026, 11, 2)
    )
    LevelOfCareAssessment.objects.create(
        patient=world.patient_b,
        rubric_id="openiop-loc",
        rubric_version="1.0.0",
        ratings={},
        recommended_level="intensive_outpatient",
        determined_level="intensive_outpatient",
        assessed_on=datetime.date(2026, 11, 4),
        assessed_by=world.alice,
        signed_at=datetime.datetime(2026, 11, 4, 15, tzinfo=datetime.UTC),
    )
    # A past group session of program A led by alice, with patient_a booked.
    session_type = SessionType.objects.create(
        name="Group therapy", kind=SessionKind.GROUP_THERAPY, default_minutes=180
    )
    world.session = Session.objects.create(
        program=world.program_a,
        session_type=session_type,
        date=datetime.date(2026, 11, 16),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    world.session.clinicians.set([world.alice])
    SessionAttendee.objects.create(
        session=world.session, episode=world.patient_a.episodes.get(status="active")
    )
    # Calendars: a room (the session meets there) and alice's feed of her sessions.
    world.room = Room.objects.create(name="Room 1", capacity=12)
    world.session.room = world.room
    world.session.save(update_fields=["room"])
    world.feed, world.feed_token = calendar_feed_create(owner=world.alice, clinician=world.alice)
    # A recurring group of program A with patient_a on its roster.
    world.series = group_series(world, weekday=0)
    enrol(world.series, world.patient_a.episodes.get(status="active"))
    return world


def outcome(response, login_url) -> str:
    if response.status_code == 403:
        return REFUSE
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(login_url):
            return REFUSE
        if "/break-glass/" in location:
            return BTG
        return ALLOW
    if response.status_code < 300:
        return ALLOW
    return f"status {response.status_code}"


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_route_as_role(route, role, walked, client):
    method, kwargs, expected = ROUTES[route]
    if role != "anonymous":
        client.force_login(getattr(walked, role))
    url = reverse(route, kwargs=kwargs(walked))
    response = getattr(client, method)(url)
    got = outcome(response, reverse("account_login"))
    assert got == expected[role], f"{role} on {route}: expected {expected[role]}, got {got}"
    if got in (REFUSE, BTG):
        body = response.content.decode()
        for secret in ("Avery", walked.patient_a.record_number, str(walked.patient_a.date_of_birth)):
            if got == BTG or secret != walked.patient_a.record_number:
                assert secret not in body, f"refusal of {route} to {role} shows {secret!r}"


def test_every_openiop_page_is_walked():
    pages = {
        name
        for route, callback, name in walk(get_resolver().url_patterns)
        if callback.__module__.startswith("openiop.") and not route.lstrip("^").startswith("api/")
    }
    assert pages == set(ROUTES), f"add to ROUTES: {sorted(pages - set(ROUTES))}"
