import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task
from openiop.patients.services import break_glass_open
from openiop.treatment.models import (
    PlanReview,
    PlanSignature,
    PlanStatus,
    ProgramPlanSettings,
    ReviewStatus,
    TreatmentPlan,
)
from openiop.treatment.selectors import plan_content
from openiop.treatment.services import plan_review_trigger, plan_submit

from .factories import active_plan_of, draft_with_content, episode_of

pytestmark = pytest.mark.django_db


def editor_post(plan, **overrides):
    """The editor's form for one problem, goal, objective and intervention, as a browser posts it."""
    episode = plan.episode
    data = {
        "revision": str(plan.revision),
        "action": "save",
        "responsible_clinician": str(plan.responsible_clinician.uuid),
        "review_interval_days": "30",
        "strengths": "Plays guitar; close to her brother.",
        "discharge_criteria": "",
        "p0-key": "",
        "p0-description": "Panic disorder",
        "p0-icd10_code": "f41.0",
        "p0-evidenced_by": "",
        "p0-g0-key": "",
        "p0-g0-text": "I want to ride the bus again.",
        "p0-g0-o0-key": "",
        "p0-g0-o0-text": "Ride the bus for 3 stops with a coping plan",
        "p0-g0-o0-baseline": "Avoids buses",
        "p0-g0-o0-target": "3 rides a week",
        "p0-g0-o0-target_date": (episode.admitted_on + datetime.timedelta(days=60)).isoformat(),
        "p0-g0-o0-measure_instrument": "",
        "p0-g0-o0-measure_comparator": "",
        "p0-g0-o0-measure_value": "",
        "p0-g0-i0-key": "",
        "p0-g0-i0-modality": "cbt",
        "p0-g0-i0-frequency": "Weekly, 50 minutes",
        "p0-g0-i0-responsible": str(plan.responsible_clinician.uuid),
        "p0-g0-i0-description": "Interoceptive exposure",
    }
    data.update(overrides)
    return data


def test_a_clinician_starts_and_writes_a_draft_on_one_screen(world, client_for):
    client = client_for(world.alice)
    response = client.post(reverse("treatment:plan_start", args=[episode_of(world.patient_a).uuid]))
    plan = TreatmentPlan.objects.get()
    assert response.url == reverse("treatment:plan_edit", args=[plan.uuid])
    page = client.get(response.url)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(plan.uuid)).count() == 1
    response = client.post(response.url, editor_post(plan))
    assert response.status_code == 302
    content = plan_content(plan)
    assert content.problems[0].icd10_code == "F41.0"
    assert content.problems[0].goals[0].text == "I want to ride the bus again."
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(plan.uuid)).count() == 1


def test_adding_an_item_shows_the_page_again_without_saving(world, client_for):
    plan = draft_with_content(world)
    before = plan.revision
    response = client_for(world.alice).post(
        reverse("treatment:plan_edit", args=[plan.uuid]), editor_post(plan, action="add_objective:0:0")
    )
    assert response.status_code == 200
    assert b'name="p0-g0-o1-text"' in response.content
    assert b"Not saved yet" in response.content
    plan.refresh_from_db()
    assert plan.revision == before


def test_errors_re_render_the_editor_with_the_users_text_and_messages(world, client_for):
    plan = draft_with_content(world)
    response = client_for(world.alice).post(
        reverse("treatment:plan_edit", args=[plan.uuid]),
        editor_post(plan, **{"p0-icd10_code": "banana", "p0-g0-o0-target_date": ""}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please correct the following" in body
    assert "Enter an ICD-10-CM code" in body and "Give a target date." in body
    assert "I want to ride the bus again." in body  # the user's text is kept
    assert 'aria-invalid="true"' in body


def test_a_stale_save_is_refused_with_what_changed_and_the_users_text_kept(world, client_for):
    plan = draft_with_content(world)
    started_from = editor_post(plan)
    # paul saves first, from the same revision.
    client_for(world.paul).post(reverse("treatment:plan_edit", args=[plan.uuid]), started_from)
    mine = {**started_from, "p0-g0-text": "I want to take the bus to my sister's."}
    response = client_for(world.alice).post(reverse("treatment:plan_edit", args=[plan.uuid]), mine)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this draft" in body
    assert "Paul Test" in body  # who saved
    assert "I want to take the bus to my sister&#x27;s." in body  # alice's input kept
    plan.refresh_from_db()
    assert plan_content(plan).problems[0].goals[0].text == "I want to ride the bus again."
    assert f'name="revision" value="{plan.revision}"' in body  # a save after merging goes through


def test_an_active_plan_cannot_be_edited_through_any_view(world, client_for):
    plan = active_plan_of(world)
    before = plan_content(plan)
    client = client_for(world.alice)
    edit = reverse("treatment:plan_edit", args=[plan.uuid])
    assert client.get(edit).url == reverse("treatment:plan_detail", args=[plan.uuid])
    assert client.post(edit, editor_post(plan)).status_code == 302
    client.post(reverse("treatment:plan_send", args=[plan.uuid]))
    client.post(reverse("treatment:plan_return", args=[plan.uuid]), {"reason": "x"})
    client.post(reverse("treatment:plan_withdraw", args=[plan.uuid]), {"reason": "x"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert plan_content(plan) == before


def test_signing_in_the_browser_activates_the_plan(world, client_for):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    sign = lambda role: reverse("treatment:plan_sign", args=[plan.uuid, role])  # noqa: E731
    alice = client_for(world.alice)
    assert alice.post(sign("clinician"), {"clinician-attested": "on"}).status_code == 302
    response = alice.post(
        sign("patient"),
        {"patient-signed_name": "Wrong Name", "patient-signed_on": "2026-01-01", "patient-attested": "on"},
    )
    assert response.status_code == 200
    assert "full name as on their record" in response.content.decode()
    alice.post(
        sign("patient"),
        {
            "patient-signed_name": "Avery Synthetic",
            "patient-signed_on": timezone.localdate().isoformat(),
            "patient-attested": "on",
        },
    )
    response = client_for(world.paul).post(sign("physician"), {"physician-attested": "on"}, follow=True)
    assert "now the active plan" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert PlanSignature.objects.filter(plan=plan).count() == 3


def test_the_director_reads_but_cannot_sign_without_physician_credentials(world, client_for):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    client = client_for(world.dana)
    assert client.get(reverse("treatment:plan_detail", args=[plan.uuid])).status_code == 200
    assert client.post(reverse("treatment:plan_sign", args=[plan.uuid, "physician"])).status_code == 403
    world.dana.staff_profile.credentials = "MD"
    world.dana.staff_profile.save()
    response = client.post(
        reverse("treatment:plan_sign", args=[plan.uuid, "physician"]), {"physician-attested": "on"}
    )
    assert response.status_code == 302
    assert PlanSignature.objects.get().signer == world.dana
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.dana).count() == 1


def test_break_the_glass_reads_but_never_writes(world, client_for):
    plan = active_plan_of(world)
    client = client_for(world.bob)
    detail = reverse("treatment:plan_detail", args=[plan.uuid])
    assert "/break-glass/" in client.get(detail).url
    break_glass_open(user=world.bob, patient=world.patient_a, reason="Covering a crisis call")
    response = client.get(detail)
    assert response.status_code == 200
    assert b"Review the plan" not in response.content
    event = AuditEvent.objects.filter(action=Action.VIEW, object_id=str(plan.uuid), actor=world.bob).get()
    assert "break_glass" in event.detail
    assert client.post(reverse("treatment:plan_new_version", args=[plan.uuid])).status_code == 403
    assert client.get(reverse("treatment:plan_pdf", args=[plan.uuid])).status_code == 403


def test_the_pdf_carries_signatures_and_is_audited_as_an_export(world, client_for):
    plan = active_plan_of(world)
    response = client_for(world.dana).get(reverse("treatment:plan_pdf", args=[plan.uuid]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert (event.patient, event.detail["version"]) == (world.patient_a, 1)


def test_a_review_through_the_page_records_progress(world, client_for):
    plan = active_plan_of(world)
    plan_review_trigger(plan.episode, "no_progress", "PHQ-9 unchanged for 4 weeks")
    url = reverse("treatment:plan_review", args=[plan.uuid])
    client = client_for(world.alice)
    page = client.get(url)
    assert "No measurable progress" in page.content.decode()
    response = client.post(url, {"reviewed_on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and b"Choose met, progressing" in response.content
    objectives = page.context["form"].objectives
    data = {
        "reviewed_on": timezone.localdate().isoformat(),
        "summary": "Added exposure work.",
        "outcome": "continue",
        **{f"progress_{o.uuid}": "no_change" for o in objectives},
    }
    assert client.post(url, data).status_code == 302
    review = PlanReview.objects.get()
    assert review.status == ReviewStatus.COMPLETED and review.progress.count() == 2
    assert Task.objects.get().status == "done"


def test_the_diff_page_shows_changes_between_versions(world, client_for):
    plan = active_plan_of(world)
    client = client_for(world.alice)
    response = client.post(reverse("treatment:plan_new_version", args=[plan.uuid]))
    draft = TreatmentPlan.objects.get(number=2)
    assert response.url == reverse("treatment:plan_edit", args=[draft.uuid])
    client.post(response.url, editor_post(draft))
    body = client.get(reverse("treatment:plan_diff", args=[draft.uuid])).content.decode()
    assert "From version 1 to version 2" in body
    assert "Added" in body and "Removed" in body


def test_the_chart_shows_the_active_plan_and_my_day_what_is_due(world, client_for):
    client = client_for(world.alice)
    chart = client.get(reverse("patients:chart", args=[world.patient_a.uuid])).content.decode()
    assert "No plan yet" in chart and "Write the treatment plan" in chart
    active_plan_of(world)
    chart = client.get(reverse("patients:chart", args=[world.patient_a.uuid])).content.decode()
    assert "Active, version 1" in chart and "I want to get back to work without panicking." in chart
    # patient_b (bob's) has no plan 80 days after admission: overdue on bob's day.
    day = client_for(world.bob).get(reverse("home:my_day")).content.decode()
    assert "Plan overdue" in day and "Blake Synthetic" in day


def test_the_program_list_puts_overdue_first_and_settings_are_the_directors(world, client_for):
    active_plan_of(world)
    client = client_for(world.dana)
    response = client.get(reverse("treatment:program_plans", args=[world.program_a.uuid]))
    rows = [state.patient for state in response.context["states"]]
    assert rows == [world.patient_b, world.patient_a]  # patient_b's plan is overdue
    assert AuditEvent.objects.filter(action=Action.LIST, object_type="treatment.treatmentplan").count() == 1
    url = reverse("treatment:program_settings", args=[world.program_a.uuid])
    response = client.post(url, {"review_interval_days": "120"})
    assert response.status_code == 200 and b"less than or equal to 90" in response.content
    assert client.post(url, {"review_interval_days": "14"}).status_code == 302
    assert ProgramPlanSettings.objects.get().review_interval_days == 14
    assert client_for(world.alice).get(url).status_code == 403
