"""The portal's reminder settings page: own record only, audited, validated."""

import datetime

import pytest
from django.urls import reverse

from openiop.audit.models import AuditEvent
from openiop.reminders.models import ReminderPreference

URL = reverse("portal:reminder_settings")


def form(**changes):
    data = {"email": "on", "quiet_start": "21:00", "quiet_end": "08:00", "sessions": "on", "homework": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_patient_sees_own_settings(world, client_for):
    world.patient_a.email = "avery@example.invalid"
    world.patient_a.save()
    response = client_for(world.pat_a).get(URL)
    assert response.status_code == 200
    assert b"avery@example.invalid" in response.content
    assert AuditEvent.objects.filter(patient=world.patient_a, detail__portal="reminder_settings").exists()


def test_other_patient_never_sees_patient_a(world, client_for):
    world.patient_a.email = "avery@example.invalid"
    world.patient_a.save()
    content = client_for(world.pat_b).get(URL).content.decode()
    assert "avery@example.invalid" not in content and "Avery" not in content
    assert world.patient_a.record_number not in content


def test_save_settings(world, client_for):
    world.patient_a.email = "avery@example.invalid"
    world.patient_a.save()
    response = client_for(world.pat_a).post(URL, form(quiet_start="22:00", quiet_end="07:30"))
    assert response.status_code == 302
    pref = ReminderPreference.objects.get(patient=world.patient_a)
    assert pref.quiet_start == datetime.time(22) and pref.quiet_end == datetime.time(7, 30)
    assert pref.email and not pref.sms and not pref.questionnaires and pref.homework
    assert not ReminderPreference.objects.filter(patient=world.patient_b).exists()


def test_text_messages_need_a_phone_number(world, client_for):
    response = client_for(world.pat_a).post(URL, form(email=None, sms="on"))
    assert response.status_code == 200
    assert b"phone number" in response.content
    assert not ReminderPreference.objects.exists()


def test_quiet_hours_need_times(world, client_for):
    response = client_for(world.pat_a).post(URL, form(email=None, quiet_start=""))
    assert response.status_code == 200 and not ReminderPreference.objects.exists()


@pytest.mark.parametrize("who", ["alice", "adam", "audrey"])
def test_staff_refused(world, client_for, who):
    assert client_for(getattr(world, who)).get(URL).status_code == 403


def test_anonymous_sent_to_login(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
