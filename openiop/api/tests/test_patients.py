import uuid

from openiop.audit.models import Action, AuditEvent, Outcome

from .test_authentication import assert_problem

PATIENTS = "/api/v1/patients"


def record_numbers(response):
    return sorted(item["record_number"] for item in response.json()["items"])


def test_clinician_lists_only_patients_of_their_programs(world, api_client):
    response = api_client(world.alice).get(PATIENTS)
    assert response.status_code == 200
    assert record_numbers(response) == sorted([world.patient_a.record_number, world.patient_b.record_number])
    assert response.json()["count"] == 2


def test_clinician_of_another_program_lists_only_theirs(world, api_client):
    response = api_client(world.charlie).get(PATIENTS)
    assert record_numbers(response) == [world.patient_c.record_number]


def test_search_finds_patients_by_name_and_record_number(world, api_client):
    client = api_client(world.alice)
    assert record_numbers(client.get(PATIENTS, {"q": "avery"})) == [world.patient_a.record_number]
    assert record_numbers(client.get(PATIENTS, {"q": world.patient_b.record_number})) == [
        world.patient_b.record_number
    ]
    assert record_numbers(client.get(PATIENTS, {"q": "casey"})) == []


def test_list_filters_by_program_and_status(world, api_client):
    client = api_client(world.alice)
    assert client.get(PATIENTS, {"program": str(world.program_a.uuid)}).json()["count"] == 2
    assert client.get(PATIENTS, {"program": str(world.program_b.uuid)}).json()["count"] == 0
    assert client.get(PATIENTS, {"status": "active"}).json()["count"] == 2
    assert client.get(PATIENTS, {"status": "discharged"}).json()["count"] == 0


def test_list_pages_with_limit_and_offset(world, api_client):
    client = api_client(world.alice)
    first = client.get(PATIENTS, {"limit": 1}).json()
    second = client.get(PATIENTS, {"limit": 1, "offset": 1}).json()
    assert first["count"] == second["count"] == 2
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["uuid"] != second["items"][0]["uuid"]


def test_list_rows_carry_no_internal_ids_and_no_care_team(world, api_client):
    item = api_client(world.alice).get(PATIENTS, {"q": "avery"}).json()["items"][0]
    assert item["uuid"] == str(world.patient_a.uuid)
    assert "id" not in item and "id" not in item["current_episode"]
    assert item["current_episode"]["program"]["uuid"] == str(world.program_a.uuid)
    assert "care_team" not in item["current_episode"]


def test_bad_query_parameters_get_422_problem_with_errors(world, api_client):
    client = api_client(world.alice)
    for params in (
        {"limit": 0},
        {"limit": 1000},
        {"offset": -1},
        {"status": "sleeping"},
        {"program": "nope"},
    ):
        body = assert_problem(client.get(PATIENTS, params), 422)
        assert body["errors"] and {"loc", "msg", "type"} <= body["errors"][0].keys()


def test_listing_writes_one_audit_event(world, api_client):
    client = api_client(world.alice)
    before = AuditEvent.objects.filter(action=Action.LIST).count()
    client.get(PATIENTS, {"q": "avery"})
    events = AuditEvent.objects.filter(action=Action.LIST)
    assert events.count() == before + 1
    event = events.first()
    assert event.actor == world.alice
    assert event.detail["filters"] == {"q": "avery"}
    assert event.detail["shown"] == 1


def test_patient_without_clinical_role_is_refused_the_list(world, api_client):
    body = assert_problem(api_client(world.pat_a).get(PATIENTS), 403)
    assert "Avery" not in str(body)
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.pat_a).exists()


def test_auditor_is_refused_the_patient_list(world, api_client):
    assert_problem(api_client(world.audrey).get(PATIENTS), 403)


def test_clinician_on_the_care_team_reads_the_patient(world, api_client):
    response = api_client(world.alice).get(f"{PATIENTS}/{world.patient_a.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(world.patient_a.uuid)
    assert body["record_number"] == world.patient_a.record_number
    assert body["legal_given_name"] == "Avery"
    assert body["date_of_birth"] == "1990-05-17"
    assert body["language"] == "en"
    episode = body["current_episode"]
    assert episode["status"] == "active"
    assert episode["track"]["uuid"] == str(world.track_a.uuid)
    assert {member["uuid"] for member in episode["care_team"]} == {
        str(world.alice.uuid),
        str(world.paul.uuid),
    }
    assert "id" not in body and "id" not in episode


def test_reading_a_patient_is_audited(world, api_client):
    api_client(world.alice).get(f"{PATIENTS}/{world.patient_a.uuid}")
    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.actor, event.patient, event.outcome) == (world.alice, world.patient_a, Outcome.SUCCESS)


def test_clinician_outside_the_program_is_refused_without_patient_data(world, api_client):
    response = api_client(world.charlie).get(f"{PATIENTS}/{world.patient_a.uuid}")
    body = assert_problem(response, 403)
    for secret in ("Avery", "Synthetic", world.patient_a.record_number, "1990"):
        assert secret not in response.text
    assert "break-the-glass" in body["detail"].lower()
    event = AuditEvent.objects.get(action=Action.ACCESS_REFUSED)
    assert (event.actor, event.patient, event.outcome) == (world.charlie, world.patient_a, Outcome.REFUSED)
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_clinician_in_the_program_but_not_on_the_care_team_is_refused(world, api_client):
    response = api_client(world.bob).get(f"{PATIENTS}/{world.patient_a.uuid}")
    body = assert_problem(response, 403)
    assert "Avery" not in response.text
    assert "not available through the API" in body["detail"]
    event = AuditEvent.objects.get(action=Action.ACCESS_REFUSED)
    assert (event.actor, event.patient) == (world.bob, world.patient_a)
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_program_director_reads_any_patient_of_the_program(world, api_client):
    assert api_client(world.dana).get(f"{PATIENTS}/{world.patient_b.uuid}").status_code == 200


def test_unknown_patient_gets_404_problem(world, api_client):
    assert_problem(api_client(world.alice).get(f"{PATIENTS}/{uuid.uuid4()}"), 404)


def test_malformed_patient_id_gets_422_problem(world, api_client):
    assert_problem(api_client(world.alice).get(f"{PATIENTS}/42"), 422)


def test_patient_user_is_refused_at_the_gate_before_any_lookup(world, api_client):
    assert_problem(api_client(world.pat_a).get(f"{PATIENTS}/{world.patient_a.uuid}"), 403)
