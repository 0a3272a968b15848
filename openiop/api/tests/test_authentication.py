import datetime

from django.utils import timezone

from openiop.accounts.models import PersonalAccessToken
from openiop.accounts.services import token_create, token_revoke

ME = "/api/v1/me"


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


def test_request_without_token_gets_401_problem_with_bearer_challenge(db, client):
    response = client.get(ME)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in response["WWW-Authenticate"]


def test_request_with_a_wrong_token_gets_401_problem(db, client):
    response = client.get(ME, headers={"Authorization": "Bearer oiop_not-a-real-token"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_signed_in_browser_session_is_not_enough_for_the_api(world, client_for):
    assert_problem(client_for(world.alice).get(ME), 401)


def test_revoked_token_gets_401(world, client):
    token, raw = token_create(user=world.alice, name="x")
    token_revoke(token=token, user=world.alice)
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {raw}"}), 401)


def test_expired_token_gets_401(world, client):
    token, raw = token_create(user=world.alice, name="x", expires_in_days=1)
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {raw}"}), 401)


def test_token_of_a_deactivated_user_gets_401(world, client):
    _, raw = token_create(user=world.alice, name="x")
    world.alice.is_active = False
    world.alice.save()
    assert_problem(client.get(ME, headers={"Authorization": f"Bearer {raw}"}), 401)


def test_me_tells_the_token_holder_who_they_are(world, api_client):
    response = api_client(world.alice).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["role"] == "clinician"
    assert [p["uuid"] for p in body["programs"]] == [str(world.program_a.uuid)]
    assert "id" not in body


def test_patient_token_holder_may_ask_who_they_are(world, api_client):
    response = api_client(world.pat_a).get(ME)
    assert response.status_code == 200
    assert response.json()["programs"] == []


def test_use_of_a_token_is_recorded_on_it(world, client):
    token, raw = token_create(user=world.alice, name="x")
    client.get(ME, headers={"Authorization": f"Bearer {raw}"})
    token.refresh_from_db()
    assert token.last_used_at is not None
