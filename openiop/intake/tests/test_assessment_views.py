"""Assessment pages as every role, the htmx and no-JavaScript previews, signing, and the audit trail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.intake.models import LevelOfCareAssessment, ReferralSource, ReferralStatus
from openiop.intake.rubric_registry import get_rubric
from openiop.intake.services import (
    assessment_record,
    referral_create,
    referral_link_patient,
    referral_transition,
)

from .test_assessment_services import DIMENSIONS, IOP_RATINGS

OVERRIDE_REASON = "Lives alone far from the program; needs daily structure for the first weeks."


def new_url(patient, **query):
    url = reverse("intake:assessment_create", kwargs={"patient_uuid": patient.uuid})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def preview_url(patient):
    return reverse("intake:assessment_preview", kwargs={"patient_uuid": patient.uuid})


def posted(ratings=IOP_RATINGS, **extra):
    data = {f"rating_{key}": str(value) for key, value in ratings.items()}
    data.update({"assessed_on": timezone.localdate().isoformat(), "notes": ""})
    data.update(extra)
    return data


def signed(world, **extra):
    return posted(determined_level="intensive_outpatient", sign="1", **extra)


@pytest.fixture
def assessment(world):
    return assessment_record(
        patient=world.patient_a,
        by=world.alice,
        rubric=get_rubric("openiop-loc"),
        ratings=IOP_RATINGS,
        determined_level="partial_hospitalization",
        override_reason=OVERRIDE_REASON,
        notes="Prefers mornings.",
        assessed_on=timezone.localdate(),
    )


# --- Who may open the form ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "paul", "dana", "bob"])
def test_clinical_staff_of_the_patients_program_may_assess(world, client_for, who):
    # bob is not on patient_a's care team: assessing is program-wide, since a new referral has no team yet.
    response = client_for(getattr(world, who)).get(new_url(world.patient_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Risk of harm" in html and "Avery" in html
    assert AuditEvent.objects.filter(
        action=Action.VIEW, patient=world.patient_a, actor__username=who
    ).exists()


@pytest.mark.parametrize("who", ["charlie", "ivan", "audrey", "adam", "pat_a"])
def test_others_are_refused_and_the_refusal_is_audited(world, client_for, who):
    client = client_for(getattr(world, who))
    for response in (
        client.get(new_url(world.patient_a)),
        client.post(preview_url(world.patient_a), posted()),
    ):
        assert response.status_code == 403
        assert "Avery" not in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, outcome=Outcome.REFUSED).count() == 2
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(new_url(world.patient_a))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.post(preview_url(world.patient_a), posted()).status_code == 302


def test_each_dimension_is_a_fieldset_of_anchored_ratings(world, client_for):
    html = client_for(world.alice).get(new_url(world.patient_a)).content.decode()
    assert html.count('class="assessment-dimension') == len(DIMENSIONS)
    assert "<legend>Risk of harm</legend>" in html
    assert 'id="id_rating_risk_of_harm_4"' in html
    assert "5 · Imminent: Stated intent to act" in html
    assert "Rate every dimension to see the recommendation (0 of 7 rated)" in html
    assert "Sign assessment" not in html


def test_an_unknown_rubric_or_a_referral_of_someone_else_is_not_found(world, client_for):
    client = client_for(world.alice)
    assert client.get(new_url(world.patient_a, rubric="locus")).status_code == 404
    assert client.get(new_url(world.patient_a, referral="not-a-uuid")).status_code == 404
    referral = referral_create(
        created_by=world.ivan,
        program=world.program_a,
        source=ReferralSource.SELF,
        given_name="Blake",
        family_name="Synthetic",
        reason="Anxiety",
    )
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_b)
    assert client.get(new_url(world.patient_a, referral=referral.uuid)).status_code == 404


# --- Preview ------------------------------------------------------------------------------------------------


def test_the_htmx_preview_returns_the_recommendation_panel_only(world, client_for):
    response = client_for(world.alice).post(preview_url(world.patient_a), posted(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "Avery" not in html
    assert "Recommendation: Intensive outpatient" in html
    assert "Composite score 14 (possible 7–35)" in html
    assert response.context["form"]["determined_level"].value() == "intensive_outpatient"
    assert 'value="intensive_outpatient" id="id_determined_level_1" checked' in html
    assert "Sign assessment" in html


def test_the_preview_counts_ratings_until_every_dimension_is_rated(world, client_for):
    partial = {key: value for key, value in IOP_RATINGS.items() if key != "engagement"}
    html = client_for(world.alice).post(preview_url(world.patient_a), posted(partial)).content.decode()
    assert "6 of 7 rated" in html and "Sign assessment" not in html


def test_the_preview_writes_no_audit_event_and_saves_nothing(world, client_for):
    client_for(world.alice).post(preview_url(world.patient_a), posted())
    assert not AuditEvent.objects.filter(patient=world.patient_a).exists()
    assert not LevelOfCareAssessment.objects.exists()


def test_the_preselected_level_follows_the_recommendation_until_the_clinician_picks_another(
    world, client_for
):
    client = client_for(world.alice)
    serious = IOP_RATINGS | {"risk_of_harm": 4}  # override: at least partial hospitalization
    followed = client.post(
        preview_url(world.patient_a),
        posted(serious, determined_level="intensive_outpatient", recommended_shown="intensive_outpatient"),
    )
    assert followed.context["form"]["determined_level"].value() == "partial_hospitalization"
    kept = client.post(
        preview_url(world.patient_a),
        posted(serious, determined_level="residential", recommended_shown="intensive_outpatient"),
    )
    assert kept.context["form"]["determined_level"].value() == "residential"


def test_the_preview_button_without_javascript_renders_the_page_with_the_panel(world, client_for):
    response = client_for(world.alice).post(new_url(world.patient_a), posted(preview="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Recommendation: Intensive outpatient" in html
    assert "Sign assessment" in html
    assert not LevelOfCareAssessment.objects.exists()


def test_the_preview_button_lists_the_missing_ratings(world, client_for):
    partial = {key: value for key, value in IOP_RATINGS.items() if key != "engagement"}
    html = (
        client_for(world.alice).post(new_url(world.patient_a), posted(partial, preview="1")).content.decode()
    )
    assert "Choose a rating for Engagement." in html
    assert 'href="#id_rating_engagement_0"' in html


# --- Signing ------------------------------------------------------------------------------------------------


def test_signing_records_the_assessment_and_shows_it(world, client_for):
    client = client_for(world.alice)
    response = client.post(new_url(world.patient_a), signed(world, notes="Prefers mornings."))
    assessment = LevelOfCareAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "intake:assessment_detail", kwargs={"assessment_uuid": assessment.uuid}
    )
    assert assessment.recommended_level == assessment.determined_level == "intensive_outpatient"
    assert assessment.notes == "Prefers mornings."
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(assessment.uuid)).count() == 1


def test_a_recommendation_posted_by_the_form_is_ignored(world, client_for):
    client_for(world.alice).post(
        new_url(world.patient_a),
        signed(world, recommended_shown="outpatient", recommended_level="outpatient"),
    )
    assert LevelOfCareAssessment.objects.get().recommended_level == "intensive_outpatient"


def test_overriding_without_a_reason_is_refused_with_a_clear_error_and_nothing_is_saved(world, client_for):
    data = signed(world) | {"determined_level": "partial_hospitalization"}
    response = client_for(world.alice).post(new_url(world.patient_a), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You chose Partial hospitalization but the rubric recommends Intensive outpatient: say why" in html
    assert 'href="#id_override_reason"' in html
    assert not LevelOfCareAssessment.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_overriding_with_a_reason_is_signed(world, client_for):
    data = signed(world) | {"determined_level": "partial_hospitalization", "override_reason": OVERRIDE_REASON}
    client_for(world.alice).post(new_url(world.patient_a), data)
    assessment = LevelOfCareAssessment.objects.get()
    assert assessment.is_override and assessment.override_reason == OVERRIDE_REASON


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rating_engagement": "9"}, "Select a valid choice"),
        ({"rating_engagement": ""}, "Choose a rating for Engagement."),
        ({"assessed_on": "2099-01-01"}, "The assessment date cannot be in the future."),
        ({"determined_level": ""}, "This field is required."),
        ({"determined_level": "detox"}, "Select a valid choice"),
    ],
)
def test_wrong_input_shows_form_errors_and_saves_nothing(world, client_for, change, message):
    response = client_for(world.alice).post(new_url(world.patient_a), signed(world) | change)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LevelOfCareAssessment.objects.exists()


def test_bob_may_assess_a_new_referral_and_read_what_he_signed(world, client_for):
    client = client_for(world.bob)
    response = client.post(new_url(world.patient_a), signed(world))
    assert client.get(response["Location"]).status_code == 200


def test_signing_with_a_referral_moves_it_to_assessed(world, client_for):
    referral = referral_create(
        created_by=world.ivan,
        program=world.program_a,
        source=ReferralSource.SELF,
        given_name="Avery",
        family_name="Synthetic",
        reason="Low mood",
    )
    referral = referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_a)
    referral = referral_transition(referral=referral, to_status=ReferralStatus.CONTACTED, by=world.ivan)
    referral = referral_transition(
        referral=referral,
        to_status=ReferralStatus.ASSESSMENT_BOOKED,
        by=world.ivan,
        assessment_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client = client_for(world.alice)
    page = client.get(new_url(world.patient_a, referral=referral.uuid))
    assert f"referral={referral.uuid}" in page.content.decode()
    client.post(new_url(world.patient_a, referral=referral.uuid), signed(world))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSED
    assert LevelOfCareAssessment.objects.get().referral == referral


# --- The signed assessment ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "paul", "dana", "ivan"])
def test_who_may_open_the_chart_reads_the_assessment_and_it_is_audited(world, client_for, who, assessment):
    response = client_for(getattr(world, who)).get(
        reverse("intake:assessment_detail", kwargs={"assessment_uuid": assessment.uuid})
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_id=str(assessment.uuid), actor__username=who, patient=world.patient_a
    ).exists()


def test_the_signed_assessment_shows_ratings_recommendation_override_and_signature(
    world, client_for, assessment
):
    html = (
        client_for(world.alice)
        .get(reverse("intake:assessment_detail", kwargs={"assessment_uuid": assessment.uuid}))
        .content.decode()
    )
    assert "Partial hospitalization" in html and "Intensive outpatient" in html
    assert "Different from the recommendation" in html and OVERRIDE_REASON in html
    assert "Composite score 14" in html
    assert "2 · Low" in html and "Passing thoughts of death" in html  # risk of harm, anchored
    assert world.alice.display_name in html and "openiop-loc 1.0.0" in html
    assert "Prefers mornings." in html
    assert (
        "Re-assess" in html
        and reverse("patients:chart", kwargs={"patient_uuid": world.patient_a.uuid}) in html
    )
    assert "<form" not in html.split('<main id="main"')[1]  # read-only: no form in the page body


def test_an_agreeing_assessment_has_no_override_banner(world, client_for):
    agreed = assessment_record(
        patient=world.patient_a,
        by=world.alice,
        rubric=get_rubric("openiop-loc"),
        ratings=IOP_RATINGS,
        determined_level="intensive_outpatient",
        assessed_on=timezone.localdate(),
    )
    html = (
        client_for(world.alice)
        .get(reverse("intake:assessment_detail", kwargs={"assessment_uuid": agreed.uuid}))
        .content.decode()
    )
    assert "Different from the recommendation" not in html


def test_bob_off_the_care_team_must_break_the_glass(world, client_for, assessment):
    response = client_for(world.bob).get(
        reverse("intake:assessment_detail", kwargs={"assessment_uuid": assessment.uuid})
    )
    assert response.status_code == 302 and "/break-glass/" in response["Location"]


@pytest.mark.parametrize("who", ["charlie", "audrey", "adam", "pat_a"])
def test_others_may_not_read_the_assessment(world, client_for, who, assessment):
    response = client_for(getattr(world, who)).get(
        reverse("intake:assessment_detail", kwargs={"assessment_uuid": assessment.uuid})
    )
    assert response.status_code == 403
    assert OVERRIDE_REASON not in response.content.decode()
