"""The CareTeam names providers outside the program with the period of their membership."""

import datetime

import pytest
from django.utils import timezone
from fhir.resources.R4B.careteam import CareTeam

from openiop.coordination import services
from openiop.coordination.tests.factories import therapist
from openiop.fhir.resources import care_team_to_fhir
from openiop.scheduling.tests.factories import active_episode

pytestmark = pytest.mark.django_db


def test_external_members_current_and_ended_are_participants_with_periods(world):
    episode = active_episode(world.patient_a)
    before = care_team_to_fhir(episode)
    member = services.external_member_add(
        patient=world.patient_a, provider=therapist(), role="outpatient_therapist", by=world.alice
    )
    current = care_team_to_fhir(episode)
    CareTeam.model_validate(current)
    [external] = [p for p in current["participant"] if "period" in p]
    assert external["member"]["display"] == "Jordan Outpatient (Harbor Counseling)"
    assert external["period"] == {"start": timezone.localdate().isoformat()}
    assert current["meta"]["versionId"] != before["meta"]["versionId"]

    services.external_member_end(
        member=member, ended_on=timezone.localdate(), reason="Care moved", by=world.alice
    )
    ended = care_team_to_fhir(episode)
    CareTeam.model_validate(ended)
    [external] = [p for p in ended["participant"] if "period" in p]
    assert external["period"]["end"] == timezone.localdate().isoformat()


def test_a_membership_ended_before_the_episode_is_not_in_its_team(world):
    episode = active_episode(world.patient_a)
    member = services.external_member_add(
        patient=world.patient_a, provider=therapist(), role="outpatient_therapist", by=world.alice
    )
    member.ended_on = episode.admitted_on - datetime.timedelta(days=1)
    member.save()
    assert not [p for p in care_team_to_fhir(episode)["participant"] if "period" in p]
