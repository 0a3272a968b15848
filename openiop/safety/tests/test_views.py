"""The plan pages as each role: reading, writing a draft, saving against a stale version, signing,
revising, and that a signed version is never changed through a page. Each request leaves one audit event."""

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.patients.services import break_glass_open
from openiop.safety.models import Plan, PlanKind, PlanStatus
from openiop.safety.services import safety_plan_review_request
from openiop.safety.structure import CrisisLine

from .factories import draft_of, full_safety_content, signed_plan


def _events():
    return AuditEvent.objects.order_by("seq")


def _form_data(plan, **sections):
    """POST data of the edit form for `sections` (lists of lines, or lists of contact dicts)."""
    data = {"version": str(plan.version)}
    for section_id, entries in sections.items():
        if entries and isinstance(entries[0], dict):
            for i, contact in enumerate(entries):
                for key, value in contact.items():
                    data[f"{section_id}-{i}-{key}"] = value
        else:
            data[section_id] = "\n".join(entries)
    return data


def _full_form(plan):
    return _form_data(plan, **full_safety_content())


def test_the_care_team_starts_a_plan_and_lands_on_its_draft(world, client_for):
    client = client_for(world.alice)
    response = client.post(reverse("safety:plan_create", args=[world.patient_a.uuid, "safety-plan"]))
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "safety:plan_edit", args=[plan.uuid]
    )
    assert list(_events().exclude(action=Action.LOGIN).values_list("action", flat=True)) == [Action.CREATE]
    # Starting again goes to the open draft instead of a second one.
    response = client.post(reverse("safety:plan_create", args=[world.patient_a.uuid, "safety-plan"]))
    assert response["Location"] == reverse("safety:plan_edit", args=[plan.uuid])
    assert Plan.objects.count() == 1


def test_an_unknown_kind_of_plan_is_404(world, client_for):
    response = client_for(world.alice).get(reverse("safety:plan_home", args=[world.patient_a.uuid, "diary"]))
    assert response.status_code == 404


def test_editing_a_draft_saves_it_and_audits_once(world, client_for):
    plan = draft_of(world.patient_a, world.alice, content={})
    client = client_for(world.alice)
    url = reverse("safety:plan_edit", args=[plan.uuid])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "1. Signs that a crisis may be starting" in html
    assert "The 988 Suicide & Crisis Lifeline and 911 are always printed" in html
    before = _events().count()
    response = client.post(url, _full_form(plan))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.content["help_contacts"][0] == {"name": "Maria (sister)", "phone": "(555) 201-7788"}
    assert plan.content["professionals"][0]["hours"] == "Mon-Fri 9-5"
    assert list(_events()[before:].values_list("action", flat=True)) == [Action.UPDATE]


def test_save_and_sign_goes_to_the_signature_page(world, client_for):
    plan = draft_of(world.patient_a, world.alice, content={})
    response = client_for(world.alice).post(
        reverse("safety:plan_edit", args=[plan.uuid]), {**_full_form(plan), "sign": "1"}
    )
    assert response["Location"] == reverse("safety:plan_sign", args=[plan.uuid])


def test_invalid_input_re_renders_with_errors_and_keeps_what_was_typed(world, client_for):
    plan = draft_of(world.patient_a, world.alice, content={})
    saved = plan.version
    data = _form_data(
        plan,
        warning_signs=["Can't sleep", "Pacing at night"],
        help_contacts=[{"name": "Maria (sister)", "phone": "ask mum"}],
    )
    client = client_for(world.alice)
    before = _events().count()
    response = client.post(reverse("safety:plan_edit", args=[plan.uuid]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the following" in html
    assert "The phone number of Maria (sister) does not look like a phone number" in html
    assert 'value="ask mum"' in html and "Pacing at night" in html
    plan.refresh_from_db()
    assert plan.content["warning_signs"] == [] and plan.version == saved
    assert list(_events()[before:].values_list("action", flat=True)) == [Action.VIEW]


def test_a_stale_save_is_refused_keeping_the_users_text_and_showing_the_saved_text(world, client):
    plan = draft_of(world.patient_a, world.alice, content={})
    started_from = plan.version
    url = reverse("safety:plan_edit", args=[plan.uuid])
    client.force_login(world.alice)
    assert (
        client.post(url, _form_data(plan, warning_signs=["Alice: stops answering texts"])).status_code == 302
    )
    client.force_login(world.paul)
    response = client.post(url, _form_data(plan, warning_signs=["Paul: not sleeping"]))  # the old version
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this draft since you opened it" in html
    assert "Paul: not sleeping" in html  # the user's input is kept in the form
    assert "Alice: stops answering texts" in html  # the saved text is shown to merge
    # The next save starts from what they have now seen.
    assert f'name="version" value="{started_from + 1}"' in html
    plan.refresh_from_db()
    assert (
        plan.content["warning_signs"] == ["Alice: stops answering texts"] and plan.version == started_from + 1
    )
    merged = _form_data(plan, warning_signs=["Alice: stops answering texts", "Paul: not sleeping"])
    assert client.post(url, merged).status_code == 302
    plan.refresh_from_db()
    assert plan.content["warning_signs"] == ["Alice: stops answering texts", "Paul: not sleeping"]


def test_the_patient_signs_in_person_and_the_clinician_signs(world, client_for):
    plan = draft_of(world.patient_a, world.alice)
    client = client_for(world.alice)
    url = reverse("safety:plan_sign", args=[plan.uuid])
    page = client.get(url)
    assert "Patient&#x27;s full name, typed by the patient" in page.content.decode()
    before = _events().count()
    response = client.post(
        url,
        {
            "version": plan.version,
            "patient_name": "Avery Synthetic",
            "patient_signed_on": timezone.localdate().isoformat(),
            "witnessed": "on",
        },
    )
    assert response["Location"] == reverse("safety:plan_detail", args=[plan.uuid])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SIGNED
    assert list(_events()[before:].values_list("action", flat=True)) == [Action.UPDATE]
    detail = client.get(response["Location"]).content.decode()
    assert "Current plan" in detail and "witnessed by Alice Test, LCSW" in detail


def test_signing_errors_re_render_the_form(world, client_for):
    plan = draft_of(world.patient_a, world.alice, content={"warning_signs": ["Can't sleep"]})
    response = client_for(world.alice).post(
        reverse("safety:plan_sign", args=[plan.uuid]),
        {"version": plan.version, "patient_name": "Someone Else", "patient_signed_on": timezone.localdate()},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm that you witnessed the patient&#x27;s signature" in html
    response = client_for(world.alice).post(
        reverse("safety:plan_sign", args=[plan.uuid]),
        {
            "version": plan.version,
            "patient_name": "Someone Else",
            "patient_signed_on": timezone.localdate(),
            "witnessed": "on",
        },
    )
    html = response.content.decode()
    assert "Before signing, fill in: 2. Things I can do on my own" in html
    assert "Type the patient&#x27;s full name as on their record" in html
    assert Plan.objects.get().is_draft


def test_a_signed_plan_is_never_edited_through_the_pages(world, client_for):
    plan = signed_plan(world.patient_a, world.alice)
    before = (plan.content, plan.version)
    client = client_for(world.alice)
    for name in ("safety:plan_edit", "safety:plan_sign"):
        url = reverse(name, args=[plan.uuid])
        response = client.get(url)
        assert response["Location"] == reverse("safety:plan_detail", args=[plan.uuid])
        response = client.post(
            url,
            {
                **_form_data(plan, warning_signs=["changed"]),
                "patient_name": "Avery Synthetic",
                "patient_signed_on": timezone.localdate(),
                "witnessed": "on",
            },
            follow=True,
        )
        assert "This version is signed and can no longer be changed" in response.content.decode()
    plan.refresh_from_db()
    assert (plan.content, plan.version) == before and plan.signatures.count() == 2


def test_revising_starts_a_copy_and_the_home_page_lists_every_version(world, client_for):
    v1 = signed_plan(world.patient_a, world.alice)
    client = client_for(world.paul)
    response = client.post(reverse("safety:plan_revise", args=[v1.uuid]))
    v2 = Plan.objects.get(number=2)
    assert response["Location"] == reverse("safety:plan_edit", args=[v2.uuid])
    assert v2.content == v1.content and v2.revises == v1
    # Revising again goes to the open draft.
    assert client.post(reverse("safety:plan_revise", args=[v1.uuid]))["Location"].endswith(f"{v2.uuid}/edit/")
    home = client.get(
        reverse("safety:plan_home", args=[world.patient_a.uuid, "safety-plan"])
    ).content.decode()
    assert "Current plan: version 1" in home and "Read version 2" in home and "Read version 1" in home
    assert "Continue the draft (version 2)" in home


def test_the_director_and_intake_read_but_do_not_write(world, client_for):
    plan = signed_plan(world.patient_a, world.alice)
    for user in (world.dana, world.ivan):
        client = client_for(user)
        html = client.get(reverse("safety:plan_detail", args=[plan.uuid])).content.decode()
        assert "Revise (new version)" not in html and "Maria (sister)" in html
        assert client.post(reverse("safety:plan_revise", args=[plan.uuid])).status_code == 403
    assert Plan.objects.count() == 1


def test_a_clinician_off_the_team_is_refused_writes_and_must_break_the_glass_to_read(world, client_for):
    plan = signed_plan(world.patient_a, world.alice)
    client = client_for(world.bob)
    response = client.get(reverse("safety:plan_detail", args=[plan.uuid]))
    assert response["Location"] == reverse("patients:break_glass", args=[world.patient_a.uuid])
    assert client.post(reverse("safety:plan_revise", args=[plan.uuid])).status_code == 403
    refused = _events().filter(action=Action.ACCESS_REFUSED).last()
    assert refused.patient == world.patient_a and refused.detail["permission"] == "safety.write_plan"


def test_break_the_glass_readers_may_read_and_print_but_not_write(world, client_for):
    plan = signed_plan(world.patient_a, world.alice)
    access = break_glass_open(user=world.bob, patient=world.patient_a, reason="Crisis call, alice away")
    client = client_for(world.bob)
    html = client.get(reverse("safety:plan_detail", args=[plan.uuid])).content.decode()
    assert "Maria (sister)" in html and "Revise (new version)" not in html
    view = _events().filter(action=Action.VIEW).last()
    assert view.detail["break_glass"] == str(access.uuid)
    response = client.get(reverse("safety:plan_pdf", args=[plan.uuid]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    export = _events().filter(action=Action.EXPORT).get()
    assert export.detail["break_glass"] == str(access.uuid)
    assert client.get(reverse("safety:plan_edit", args=[plan.uuid])).status_code == 403
    draft_url = reverse("safety:plan_create", args=[world.patient_a.uuid, "relapse-prevention-plan"])
    assert client.post(draft_url).status_code == 403


@pytest.mark.parametrize("who", ["audrey", "adam", "pat_a", "charlie"])
def test_auditors_admins_patients_and_other_programs_are_refused(world, client_for, who):
    plan = signed_plan(world.patient_a, world.alice)
    client = client_for(getattr(world, who))
    for name in ("safety:plan_detail", "safety:plan_pdf"):
        response = client.get(reverse(name, args=[plan.uuid]))
        assert response.status_code == 403
        assert "Maria" not in response.content.decode()


def test_988_and_911_show_on_every_plan_even_an_empty_one(world, client_for):
    plan = draft_of(world.patient_a, world.alice, content={})
    html = client_for(world.alice).get(reverse("safety:plan_detail", args=[plan.uuid])).content.decode()
    assert '<strong class="crisis-number">988</strong> · 988 Suicide &amp; Crisis Lifeline' in html
    assert '<strong class="crisis-number">911</strong>' in html


def test_988_shows_even_if_the_structure_lost_it(world, client_for, monkeypatch):
    from openiop.safety import registry

    plan = draft_of(world.patient_a, world.alice, content={})
    structure = registry.get_structure(plan.structure_id, plan.structure_version)
    damaged = structure.__class__(
        **{**structure.__dict__, "crisis_lines": (CrisisLine("Emergency", "911", "Any time"),)}
    )
    monkeypatch.setattr("openiop.safety.selectors.get_structure", lambda *args: damaged)
    html = client_for(world.alice).get(reverse("safety:plan_detail", args=[plan.uuid])).content.decode()
    assert '<strong class="crisis-number">988</strong> · 988 Suicide &amp; Crisis Lifeline' in html


def test_the_chart_shows_where_each_plan_stands(world, client_for):
    chart = reverse("patients:chart", args=[world.patient_a.uuid])
    html = client_for(world.alice).get(chart).content.decode()
    assert "Safety and relapse prevention" in html
    assert "No safety plan yet." in html and "Write a safety plan" in html
    assert "No relapse-prevention plan yet." in html
    plan = signed_plan(world.patient_a, world.alice)
    draft_of(world.patient_a, world.alice, kind=PlanKind.RELAPSE_PREVENTION)
    safety_plan_review_request(world.patient_a.episodes.get(), "PHQ-9 item 9 answered 1", by=world.paul)
    html = client_for(world.alice).get(chart).content.decode()
    assert f"Signed: version 1, {timezone.localtime(plan.signed_at):%Y-%m-%d}" in html
    assert reverse("safety:plan_pdf", args=[plan.uuid]) in html
    assert "Revise the safety plan" in html
    assert "Draft only: not signed yet." in html and "Continue the draft (version 1)" in html
    assert "Review requested" in html and "PHQ-9 item 9 answered 1" in html
    director = client_for(world.dana).get(chart).content.decode()
    assert "Signed: version 1" in director and "Revise the safety plan" not in director
    assert "Continue the draft" not in director
