"""Due items: the program's list, the "Due items" card on my day, and the chart's intake sections."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_patient
from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Certification, DueItem, DueItemKind, LevelTransition
from openiop.patients.models import CareTeamRole, EpisodeStatus

from .test_admissions import assess


def due(episode, kind, days, owner=None):
    return DueItem.objects.create(
        episode=episode, kind=kind, due_on=timezone.localdate() + datetime.timedelta(days=days), owner=owner
    )


@pytest.fixture
def items(world):
    episode = world.patient_a.episodes.get()
    return {
        "overdue": due(episode, DueItemKind.BASELINE_MEASURES, -2, world.alice),
        "soon": due(episode, DueItemKind.INITIAL_TREATMENT_PLAN, 5, world.alice),
        "later": due(episode, DueItemKind.RECERTIFICATION, 40, world.paul),
    }


def test_the_due_list_groups_overdue_soon_and_later(world, client_for, items):
    discharged = make_patient(
        given="Gone", family="Synthetic", program=world.program_a, status=EpisodeStatus.DISCHARGED
    )
    due(discharged.episodes.get(), DueItemKind.BASELINE_MEASURES, -10, world.alice)
    done = due(world.patient_a.episodes.get(), DueItemKind.CERTIFICATION, -1, world.paul)
    done.completed_at = timezone.now()
    done.save()

    response = client_for(world.ivan).get(reverse("intake:due_items"))
    groups = response.context["groups"]
    assert groups.overdue == [items["overdue"]]
    assert groups.soon == [items["soon"]]
    assert groups.later == [items["later"]]
    page = response.content.decode()
    assert "<strong>Overdue</strong>" in page
    assert "Avery Synthetic" in page and "Gone" not in page
    assert "Alice Test, LCSW" in page
    event = AuditEvent.objects.get(action=Action.LIST, object_type="intake.dueitem")
    assert event.detail["shown"] == 3


def test_the_due_list_has_an_honest_empty_state(world, client_for):
    page = client_for(world.dana).get(reverse("intake:due_items")).content.decode()
    assert "No open due items in this program." in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ivan", 200),
        ("dana", 200),
        ("alice", 403),
        ("paul", 403),
        ("charlie", 403),
        ("audrey", 403),
        ("adam", 403),
        ("pat_a", 403),
    ],
)
def test_who_may_see_the_due_list(world, client_for, role, expected):
    assert client_for(getattr(world, role)).get(reverse("intake:due_items")).status_code == expected


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(reverse("intake:due_items"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_intake_staff_see_the_waitlist_and_due_items_in_the_menu(world, client_for):
    page = client_for(world.ivan).get(reverse("home:my_day")).content.decode()
    assert reverse("intake:waitlist") in page and reverse("intake:due_items") in page
    page = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert reverse("intake:waitlist") not in page


# My day.


def test_my_day_lists_my_due_items_overdue_first(world, client_for, items):
    response = client_for(world.alice).get(reverse("home:my_day"))
    assert response.context["due_items"] == [items["overdue"], items["soon"]]
    page = response.content.decode()
    card = page[page.index('id="due-items"') :]
    assert card.index("Overdue") < card.index("Baseline measures") < card.index("Initial treatment plan")
    assert "Physician recertification" not in card.split("</section>")[0]


def test_my_day_due_items_have_an_honest_empty_state(world, client_for):
    page = client_for(world.bob).get(reverse("home:my_day")).content.decode()
    assert "Nothing is due from you for your patients." in page


def test_my_day_reads_due_items_without_a_query_per_item(world, client_for, django_assert_max_num_queries):
    client = client_for(world.alice)
    due(world.patient_a.episodes.get(), DueItemKind.BASELINE_MEASURES, 1, world.alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home:my_day"))
    for _ in range(4):
        patient = make_patient(
            given="More",
            family="Synthetic",
            program=world.program_a,
            care_team=[(world.alice, CareTeamRole.THERAPIST)],
        )
        due(patient.episodes.get(), DueItemKind.BASELINE_MEASURES, 1, world.alice)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("home:my_day"))
    assert len(response.context["due_items"]) == 5


# The chart.


def chart(client, patient):
    return client.get(reverse("patients:chart", kwargs={"patient_uuid": patient.uuid}))


def fill_chart(world, n):
    episode = world.patient_a.episodes.get()
    for i in range(n):
        assess(world.patient_a, world.alice, on=datetime.date(2026, 9, 2) + datetime.timedelta(days=i))
        LevelTransition.objects.create(
            patient=world.patient_a,
            episode=episode,
            from_level="residential",
            to_level="intensive_outpatient",
            direction="step_down",
            on=datetime.date(2026, 9, 8),
            reason=f"Reason {i}",
        )
        due(episode, DueItemKind.BASELINE_MEASURES, i, world.alice)
        Certification.objects.create(
            episode=episode,
            certified_by=world.paul,
            certified_on=datetime.date(2026, 9, 9),
            hours_per_week=Decimal("9"),
            valid_until=datetime.date(2026, 11, 8),
            statement="Need.",
        )


def test_the_chart_reads_its_intake_sections_in_a_constant_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.alice)
    fill_chart(world, 1)
    with CaptureQueriesContext(connection) as one:
        chart(client, world.patient_a)
    fill_chart(world, 4)
    with django_assert_max_num_queries(len(one)):
        response = chart(client, world.patient_a)
    assert len(response.context["intake"].assessments) == 5


def test_the_chart_shows_level_of_care_path_due_items_and_certification(world, client_for):
    episode = world.patient_a.episodes.get()
    assess(
        world.patient_a, world.alice, level="partial_hospitalization", override_reason="Lives alone, unsafe"
    )
    LevelTransition.objects.create(
        patient=world.patient_a,
        episode=episode,
        from_level="residential",
        to_level="intensive_outpatient",
        direction="step_down",
        on=datetime.date(2026, 10, 2),
        reason="Completed detox",
    )
    due(episode, DueItemKind.INITIAL_TREATMENT_PLAN, -1, world.alice)
    done = due(episode, DueItemKind.BASELINE_MEASURES, -3, world.alice)
    done.completed_at = timezone.now()
    done.save()
    Certification.objects.create(
        episode=episode,
        certified_by=world.paul,
        certified_on=datetime.date(2026, 9, 9),
        hours_per_week=Decimal("9"),
        valid_until=datetime.date(2026, 11, 8),
        statement="Need.",
    )
    due(episode, DueItemKind.RECERTIFICATION, -19, world.paul)
    page = chart(client_for(world.alice), world.patient_a).content.decode()
    assert "Level of care" in page and "Partial hospitalization" in page and "Lives alone, unsafe" in page
    assert "Residential → Intensive outpatient, 2026-10-02, step down: Completed detox" in page
    assert "Completed " in page and "<strong>Overdue</strong>" in page
    assert "Latest valid until" in page and "2026-11-08" in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("alice", ["Record a change of level"], ["Certify", ">Admit<", "Add to waitlist"]),
        ("paul", ["Record a change of level", "Certify"], [">Admit<"]),
        ("ivan", ["Record a change of level"], ["Certify", ">Admit<"]),
    ],
)
def test_the_chart_offers_the_actions_the_user_may_take_on_an_active_episode(
    world, client_for, role, shown, hidden
):
    page = chart(client_for(getattr(world, role)), world.patient_a).content.decode()
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_the_chart_of_a_referral_offers_admission_to_intake_staff_only(world, client_for):
    from .test_admissions import referred_patient

    patient = referred_patient(world)
    page = chart(client_for(world.ivan), patient).content.decode()
    assert ">Admit<" in page and "Add to waitlist" in page and "Record a change of level" not in page
    assert "Certify" not in page
