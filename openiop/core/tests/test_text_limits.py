"""Text the database cannot hold is refused before it reaches the database, naming the field, on SQLite as
on PostgreSQL (which would otherwise answer a DataError: a 500)."""

import json

import pytest
from django.core.exceptions import ValidationError

from openiop.core.text_limits import text_problems
from openiop.programs.models import Program


def test_a_value_longer_than_its_column_is_refused_naming_the_field(world):
    world.program_a.short_name = "x" * 31
    with pytest.raises(ValidationError) as refused:
        world.program_a.save()
    assert refused.value.message_dict == {
        "short_name": ["Ensure this value has at most 30 characters (it has 31)."]
    }
    assert Program.objects.get(pk=world.program_a.pk).short_name != "x" * 31


def test_a_nul_character_is_refused(world):
    world.patient_a.preferred_name = "Av\x00ery"
    with pytest.raises(ValidationError, match="NUL"):
        world.patient_a.save()


def test_text_at_its_limit_is_kept(world):
    world.program_a.short_name = "x" * 30
    world.program_a.save()
    assert Program.objects.get(pk=world.program_a.pk).short_name == "x" * 30


def test_staff_accounts_are_guarded_too(world):
    world.alice.first_name = "x" * 200  # accounts.User is an openiop model
    assert text_problems(world.alice) == {
        "first_name": ["Ensure this value has at most 150 characters (it has 200)."]
    }


def test_the_api_answers_422_at_the_field(world, client):
    from openiop.accounts.services import token_create

    _, raw = token_create(user=world.ivan, name="limits")
    body = {
        "program": str(world.program_a.uuid),
        "source": "outpatient_therapist",
        "given_name": "Jordan",
        "family_name": "Newcomer",
        "reason": "Panic attacks.",
        "referring_organization": "x" * 500,
    }
    response = client.post(
        "/api/v1/referrals",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    assert any(error["loc"][-1] == "referring_organization" for error in response.json()["errors"])
