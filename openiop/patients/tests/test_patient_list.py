from django.urls import reverse

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus


def names(response):
    return [patient.display_name for patient, _ in response.context["rows"]]


def test_list_shows_only_patients_of_my_programs(world, client_for):
    response = client_for(world.alice).get(reverse("patients:list"))
    assert names(response) == ["Avery Synthetic", "Blake Synthetic"]


def test_search_by_name_or_record_number(world, client_for):
    client = client_for(world.dana)
    assert names(client.get(reverse("patients:list"), {"q": "blake"})) == ["Blake Synthetic"]
    assert names(client.get(reverse("patients:list"), {"q": world.patient_a.record_number})) == [
        "Avery Synthetic"
    ]
    assert names(client.get(reverse("patients:list"), {"q": "Casey"})) == []


def test_filters_by_status_and_care_team_member(world, client_for):
    episode = world.patient_b.episodes.get()
    episode.status = EpisodeStatus.WAITLIST
    episode.admitted_on = None
    episode.save()
    client = client_for(world.dana)
    assert names(client.get(reverse("patients:list"), {"status": "waitlist"})) == ["Blake Synthetic"]
    assert names(client.get(reverse("patients:list"), {"clinician": str(world.alice.uuid)})) == [
        "Avery Synthetic"
    ]


def test_a_filter_outside_my_programs_is_rejected_not_applied(world, client_for):
    response = client_for(world.alice).get(reverse("patients:list"), {"program": str(world.program_b.uuid)})
    assert response.context["form"].errors
    assert "Casey" not in response.content.decode()


def test_htmx_search_returns_only_the_results_fragment(world, client_for):
    response = client_for(world.alice).get(reverse("patients:list"), {"q": "avery"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Avery Synthetic" in body


def test_empty_result_says_so(world, client_for):
    response = client_for(world.alice).get(reverse("patients:list"), {"q": "zzz"})
    assert "No patients match" in response.content.decode()


def test_listing_is_audited_once_with_the_filters(world, client_for):
    client_for(world.alice).get(reverse("patients:list"), {"q": "avery"})
    event = AuditEvent.objects.get(action=Action.LIST)
    assert event.detail["filters"] == {"q": "avery"} and event.detail["shown"] == 1


def test_list_queries_do_not_grow_with_the_number_of_patients(
    world, client_for, django_assert_max_num_queries
):
    from conftest import make_patient

    client = client_for(world.dana)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("patients:list"))
    for i in range(15):
        make_patient(
            given=f"Extra{i}",
            family="Synthetic",
            program=world.program_a,
            care_team=[(world.alice, "therapist")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("patients:list"))


def test_a_patient_with_several_episodes_in_my_programs_is_listed_once(world, client_for):
    import datetime

    from openiop.patients.models import EpisodeOfCare

    EpisodeOfCare.objects.create(
        patient=world.patient_a,
        program=world.program_a,
        status=EpisodeStatus.DISCHARGED,
        referred_on=datetime.date(2025, 1, 6),
        admitted_on=datetime.date(2025, 1, 13),
    )
    EpisodeOfCare.objects.create(
        patient=world.patient_c,
        program=world.program_a,
        status=EpisodeStatus.REFERRAL,
        referred_on=datetime.date(2026, 10, 1),
    )
    response = client_for(world.dana).get(reverse("patients:list"))
    assert names(response) == ["Avery Synthetic", "Blake Synthetic", "Casey Synthetic"]
    assert response.context["page_obj"].paginator.count == 3


def test_list_rows_load_only_the_primary_clinician_of_each_care_team(world):
    from openiop.patients.models import Patient
    from openiop.patients.selectors import current_episode, with_episodes, with_list_episodes

    patients = Patient.objects.filter(pk__in=[world.patient_a.pk, world.patient_b.pk]).order_by("pk")
    listed = list(with_list_episodes(patients))
    full = list(with_episodes(patients))
    for row, whole in zip(listed, full, strict=True):
        episode, whole_episode = current_episode(row), current_episode(whole)
        assert episode.pk == whole_episode.pk
        expected = [m.user.pk for m in whole_episode.care_team_members.all() if m.role == "primary_clinician"]
        assert [m.user.pk for m in episode.primary_clinicians] == expected
    # patient_a's team also has paul, the psychiatrist: not loaded for the list.
    assert [m.user for m in current_episode(listed[0]).primary_clinicians] == [world.alice]


def test_the_list_names_the_primary_clinician_not_the_rest_of_the_team(world, client_for):
    body = client_for(world.alice).get(reverse("patients:list"), {"q": "Avery"}).content.decode()
    row = body.split("Avery Synthetic", 1)[1].split("</tr>", 1)[0]
    assert world.alice.display_name in row
    assert world.paul.display_name not in row
