"""Referral pages: who may open them, the board's filters, figures and badges, the create form with
documents, the detail page's actions, document downloads, and the audit trail."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.intake.models import Referral, ReferralDocument, ReferralSource, ReferralStatus, Urgency
from openiop.intake.selectors_referrals import percentile, referral_board
from openiop.intake.services import referral_create, referral_document_add, referral_transition

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = timezone.now()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_referral(world, *, program=None, hours_ago=0, **fields) -> Referral:
    values = {
        "given_name": "Quinn",
        "family_name": "Example",
        "reason": "Low mood",
        "source": ReferralSource.PRIMARY_CARE,
    }
    values.update(fields)
    return referral_create(
        created_by=world.ivan,
        program=program or world.program_a,
        received_at=NOW - datetime.timedelta(hours=hours_ago),
        **values,
    )


@pytest.fixture
def referral(world):
    referral = make_referral(world, date_of_birth=datetime.date(1991, 1, 1))
    referral.document = referral_document_add(
        referral=referral, upload=SimpleUploadedFile("letter.pdf", PDF), by=world.ivan
    )
    return referral


def pages(referral):
    r, d = {"referral_uuid": referral.uuid}, {"document_uuid": referral.document.uuid}
    return [
        ("get", reverse("intake:referral_board")),
        ("get", reverse("intake:referral_create")),
        ("get", reverse("intake:referral_detail", kwargs=r)),
        ("post", reverse("intake:referral_transition", kwargs=r)),
        ("post", reverse("intake:referral_link", kwargs=r)),
        ("post", reverse("intake:referral_document_upload", kwargs=r)),
        ("get", reverse("intake:referral_document", kwargs=d)),
    ]


@pytest.mark.parametrize("role", ["ivan", "dana"])
def test_intake_coordinator_and_director_open_every_referral_page(role, world, referral, client_for):
    client = client_for(getattr(world, role))
    for method, url in pages(referral):
        assert getattr(client, method)(url).status_code == 200, url


@pytest.mark.parametrize("role", ["alice", "bob", "paul", "charlie", "audrey", "adam", "pat_a"])
def test_everyone_else_is_refused_every_referral_page(role, world, referral, client_for):
    client = client_for(getattr(world, role))
    for method, url in pages(referral):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert b"Quinn" not in response.content


def test_anonymous_is_sent_to_sign_in(world, referral, client):
    for method, url in pages(referral):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_intake_staff_of_another_program_are_refused_and_the_refusal_is_audited(world, referral, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    olga = make_user("olga", Role.INTAKE_COORDINATOR, programs=[world.program_b])
    client = client_for(olga)
    response = client.get(reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid}))
    assert response.status_code == 403
    response = client.get(
        reverse("intake:referral_document", kwargs={"document_uuid": referral.document.uuid})
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(actor=olga, outcome=Outcome.REFUSED).count() == 2
    # Her board shows only her program's referrals.
    assert b"Quinn" not in client.get(reverse("intake:referral_board")).content


def test_unknown_referral_is_404(world, client_for):
    import uuid

    url = reverse("intake:referral_detail", kwargs={"referral_uuid": uuid.uuid4()})
    assert client_for(world.ivan).get(url).status_code == 404


def test_percentile_interpolates_between_ranks():
    assert percentile([], 50) is None
    assert percentile([5], 90) == 5
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90) == 90


@pytest.fixture
def dataset(world):
    """Four referrals in program A with known contact times (2, 4, 6 h and none), one admitted after
    10 days, and one in program B that ivan never sees."""
    from openiop.intake.models import ReferralEvent

    made = {}
    for name, hours, contact_after, source, urgency in [
        ("Ada", 300, 2, ReferralSource.SELF, Urgency.URGENT),
        ("Ben", 200, 4, ReferralSource.INPATIENT, Urgency.ROUTINE),
        ("Cy", 100, 6, ReferralSource.SELF, Urgency.ROUTINE),
        ("Dee", 10, None, ReferralSource.SELF, Urgency.ROUTINE),
    ]:
        r = make_referral(world, hours_ago=hours, given_name=name, source=source, urgency=urgency)
        if contact_after is not None:
            r = referral_transition(referral=r, to_status=ReferralStatus.CONTACTED, by=world.ivan)
            Referral.objects.filter(pk=r.pk).update(
                first_contact_at=r.received_at + datetime.timedelta(hours=contact_after)
            )
        made[name] = r
    # Ada was admitted 10 days after the referral came in (admission itself is another page's job).
    Referral.objects.filter(pk=made["Ada"].pk).update(
        status=ReferralStatus.ADMITTED,
        admitted_at=made["Ada"].received_at + datetime.timedelta(days=10),
        closed_at=NOW - datetime.timedelta(days=1),
    )
    assert ReferralEvent.objects.count() >= 4
    make_referral(world, program=world.program_b, given_name="Zed")
    return made


def test_board_figures_on_a_known_dataset(world, dataset):
    board = referral_board(world.ivan, now=NOW)
    contact, admission = board.figures["contact_hours"], board.figures["admission_days"]
    assert board.total == 4
    assert (contact.count, contact.median, round(contact.p90, 2)) == (3, 4.0, 5.6)
    assert (admission.count, admission.median, admission.p90) == (1, 10.0, 10.0)
    new = next(c for c in board.columns if c.status == ReferralStatus.NEW)
    contacted = next(c for c in board.columns if c.status == ReferralStatus.CONTACTED)
    assert [card.referral.given_name for card in new.cards] == ["Dee"]
    assert [card.referral.given_name for card in contacted.cards] == ["Ben", "Cy"]
    assert [card.referral.given_name for card in board.closed] == ["Ada"]
    assert contacted.cards[0].days_waiting == 8


def test_board_filters_narrow_cards_and_figures(world, dataset, client_for):
    client = client_for(world.ivan)
    response = client.get(reverse("intake:referral_board"), {"source": "self", "urgency": "routine"})
    board = response.context["board"]
    assert board.total == 2
    assert {c.referral.given_name for col in board.columns for c in col.cards} == {"Cy", "Dee"}
    assert board.figures["contact_hours"].count == 1
    since = (NOW - datetime.timedelta(hours=150)).date().isoformat()
    board = client.get(reverse("intake:referral_board"), {"received_from": since}).context["board"]
    assert {c.referral.given_name for col in board.columns for c in col.cards} == {"Cy", "Dee"}
    until = (NOW - datetime.timedelta(hours=250)).date().isoformat()
    board = client.get(reverse("intake:referral_board"), {"received_to": until}).context["board"]
    assert board.total == 1 and board.closed[0].referral.given_name == "Ada"
    other = client.get(reverse("intake:referral_board"), {"program": str(world.program_b.uuid)})
    assert other.context["form"].errors  # not one of ivan's programs
    assert other.context["board"].total == 4


def test_board_shows_the_figures_and_marks_urgent_and_audits_one_list(world, dataset, client_for):
    before = AuditEvent.objects.filter(action=Action.LIST).count()
    response = client_for(world.dana).get(reverse("intake:referral_board"))
    body = response.content.decode()
    assert "4.0 hours" in body and "10.0 days" in body and "3 of 4" in body
    assert "badge-urgent" in body
    assert "Zed" not in body
    assert AuditEvent.objects.filter(action=Action.LIST).count() == before + 1


def test_empty_board_says_so(world, client_for):
    body = client_for(world.ivan).get(reverse("intake:referral_board")).content.decode()
    assert "No referrals match" in body


def test_possible_duplicate_badge_without_a_query_per_card(world, client_for, django_assert_max_num_queries):
    for i in range(5):
        make_referral(world, given_name=f"Other{i}", date_of_birth=datetime.date(1980, 1, i + 1))
    make_referral(
        world, given_name="avery", family_name="Synthetic ", date_of_birth=datetime.date(1990, 5, 17)
    )
    client = client_for(world.ivan)
    client.get(reverse("intake:referral_board"))  # warm the session and permission caches
    with django_assert_max_num_queries(20):
        response = client.get(reverse("intake:referral_board"))
    cards = [c for col in response.context["board"].columns for c in col.cards]
    flagged = [c.referral.given_name for c in cards if c.possible_duplicate]
    assert flagged == ["avery"]
    assert response.content.decode().count("Possible duplicate") == 1


def create_data(world, **overrides):
    data = {
        "program": str(world.program_a.uuid),
        "source": "emergency",
        "given_name": "Robin",
        "family_name": "Sample",
        "date_of_birth": "1999-04-01",
        "phone": "555-0101",
        "email": "",
        "preferred_language": "es",
        "best_time_to_contact": "Mornings",
        "referring_provider": "Dr. Who",
        "referring_organization": "General ED",
        "referring_contact": "555-0199",
        "reason": "Discharged after a crisis visit",
        "urgency": "urgent",
    }
    data.update(overrides)
    return data


def test_create_with_documents_redirects_to_detail(world, client_for):
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n1234")]
    response = client_for(world.ivan).post(
        reverse("intake:referral_create"), {**create_data(world), "documents": files}
    )
    referral = Referral.objects.get(family_name="Sample")
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid})
    assert referral.preferred_language == "es" and referral.urgency == Urgency.URGENT
    assert sorted(d.content_type for d in referral.documents.all()) == ["application/pdf", "image/png"]


def test_create_with_a_bad_file_names_it_keeps_the_input_and_saves_nothing(world, client_for):
    files = [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("virus.pdf", b"MZ\x90\x00")]
    response = client_for(world.ivan).post(
        reverse("intake:referral_create"), {**create_data(world), "documents": files}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "virus.pdf: Only PDF, PNG and JPEG files can be attached." in body
    assert "a.pdf:" not in body
    assert 'value="Robin"' in body and "choose them again" in body
    assert not Referral.objects.filter(family_name="Sample").exists()
    assert not ReferralDocument.objects.exists()


def test_create_requires_a_reason_and_offers_only_my_active_programs(world, client_for):
    response = client_for(world.ivan).post(reverse("intake:referral_create"), create_data(world, reason=""))
    assert response.context["form"].errors["reason"]
    other = client_for(world.ivan).post(
        reverse("intake:referral_create"), create_data(world, program=str(world.program_b.uuid))
    )
    assert "program" in other.context["form"].errors


def test_detail_shows_the_referral_and_audits_a_view(world, referral, client_for):
    response = client_for(world.ivan).get(
        reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid})
    )
    body = response.content.decode()
    assert "Quinn Example" in body and "letter.pdf" in body and "Not contacted yet" in body
    offered = [value for value, _ in response.context["transition_form"].fields["to_status"].choices]
    assert offered == ["contacted", "referred_elsewhere", "declined", "lost_to_contact"]
    assert (
        AuditEvent.objects.filter(action=Action.VIEW, object_id=str(referral.uuid), actor=world.ivan).count()
        == 1
    )


def test_detail_renders_self_check_answers(world, client_for):
    referral = make_referral(
        world, self_check={"answers": {"daily_life": "most_days", "safe_now": True}, "outcome": "iop_may_fit"}
    )
    body = (
        client_for(world.ivan)
        .get(reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid}))
        .content.decode()
    )
    assert "Daily life" in body and "most days" in body and "Yes" in body


def test_status_change_and_its_errors_in_the_form(world, referral, client_for):
    client = client_for(world.ivan)
    url = reverse("intake:referral_transition", kwargs={"referral_uuid": referral.uuid})
    assert client.post(url, {"to_status": "contacted"}).status_code == 302
    response = client.post(url, {"to_status": "assessment_booked"})
    assert "Give the date and time" in response.context["transition_form"].errors["assessment_at"][0]
    response = client.post(url, {"to_status": "declined", "note": ""})
    assert "Say why" in response.context["transition_form"].errors["note"][0]
    response = client.post(url, {"to_status": "admitted"})
    assert "to_status" in response.context["transition_form"].errors
    assert (
        client.post(url, {"to_status": "assessment_booked", "assessment_at": "2026-12-01T10:30"}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSMENT_BOOKED
    assert timezone.localtime(referral.assessment_booked_for).hour == 10
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(referral.uuid)).count() == 2


def test_upload_more_documents_and_refuse_a_bad_one(world, referral, client_for):
    client = client_for(world.dana)
    url = reverse("intake:referral_document_upload", kwargs={"referral_uuid": referral.uuid})
    assert (
        client.post(url, {"documents": [SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0rest")]}).status_code
        == 302
    )
    response = client.post(url, {"documents": [SimpleUploadedFile("x.exe", b"MZ")]})
    assert "x.exe: Only PDF" in response.content.decode()
    assert [d.content_type for d in referral.documents.all()] == ["application/pdf", "image/jpeg"]


def test_document_download_headers_and_audit(world, referral, client_for):
    response = client_for(world.ivan).get(
        reverse("intake:referral_document", kwargs={"document_uuid": referral.document.uuid})
    )
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(referral.document.uuid)).count() == 1


def test_link_to_a_listed_match_and_never_to_another_patient(world, client_for):
    referral = make_referral(
        world, given_name="Avery", family_name="Synthetic", date_of_birth=datetime.date(1990, 5, 17)
    )
    client = client_for(world.ivan)
    detail = reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid})
    body = client.get(detail).content.decode()
    assert world.patient_a.record_number in body and "Link to this patient" in body
    url = reverse("intake:referral_link", kwargs={"referral_uuid": referral.uuid})
    client.post(url, {"patient": str(world.patient_b.uuid)})
    referral.refresh_from_db()
    assert referral.patient is None
    assert client.post(url, {"patient": str(world.patient_a.uuid)}).status_code == 302
    referral.refresh_from_db()
    assert referral.patient == world.patient_a
    body = client.get(detail).content.decode()
    assert reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid}) in body


def test_register_new_patient_needs_the_different_person_tick_when_matches_exist(world, client_for):
    from openiop.patients.models import Patient

    referral = make_referral(
        world, given_name="Avery", family_name="Synthetic", date_of_birth=datetime.date(1990, 5, 17)
    )
    client = client_for(world.ivan)
    url = reverse("intake:referral_link", kwargs={"referral_uuid": referral.uuid})
    data = {
        "legal_given_name": "Avery",
        "legal_family_name": "Synthetic",
        "date_of_birth": "1990-05-17",
        "language": "en",
    }
    response = client.post(url, data)
    assert "duplicate_confirmed" in response.context["new_patient_form"].errors
    assert Patient.objects.filter(legal_given_name="Avery").count() == 1
    assert client.post(url, {**data, "duplicate_confirmed": "on"}).status_code == 302
    referral.refresh_from_db()
    assert referral.patient not in (None, world.patient_a)
    assert referral.episode.program == world.program_a


def test_register_new_patient_without_matches_is_prefilled(world, referral, client_for):
    client = client_for(world.ivan)
    detail = reverse("intake:referral_detail", kwargs={"referral_uuid": referral.uuid})
    form = client.get(detail).context["new_patient_form"]
    assert form.initial["legal_given_name"] == "Quinn" and form.initial["date_of_birth"] == datetime.date(
        1991, 1, 1
    )
    url = reverse("intake:referral_link", kwargs={"referral_uuid": referral.uuid})
    data = {
        "legal_given_name": "Quinn",
        "legal_family_name": "Example",
        "date_of_birth": "1991-01-01",
        "language": "en",
    }
    assert client.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert referral.patient.legal_given_name == "Quinn"


def test_next_steps_appear_once_assessed(world, referral):
    from django.urls import reverse

    from openiop.intake.services import referral_link_patient
    from openiop.intake.views import referrals as views

    assert views._next_steps(referral) == []  # not linked yet
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_b)
    for step in ("contacted", "assessment_booked", "assessed"):
        referral = referral_transition(
            referral=referral,
            to_status=step,
            by=world.ivan,
            assessment_at=NOW if step != "contacted" else None,
        )
    episode = {"episode_uuid": referral.episode.uuid}
    urls = [url for _, url in views._next_steps(referral)]
    assert urls == [
        reverse("intake:assessment_create", kwargs={"patient_uuid": world.patient_b.uuid})
        + f"?referral={referral.uuid}",
        reverse("intake:admit", kwargs=episode),
        reverse("intake:waitlist_add", kwargs=episode),
    ]
