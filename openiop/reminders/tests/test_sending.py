"""Dispatching and sending reminders: once per reminder, channels and preferences honoured, failures
retried, and no clinical words in any message."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail

from openiop.core.sms import ConsoleSmsBackend
from openiop.reminders import plan, services
from openiop.reminders.models import Channel, ReminderPreference, ReminderSend, SendStatus
from openiop.reminders.services import deliver, reminder_text
from openiop.scheduling.tests.factories import active_episode, group_series, session_with
from openiop.skills.tests.factories import homework_for

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
DAY = datetime.date(2026, 11, 27)
EVENING_BEFORE = datetime.datetime(2026, 11, 26, 18, 30, tzinfo=TZ)


@pytest.fixture(autouse=True)
def clock(monkeypatch, django_capture_on_commit_callbacks):
    """dispatch(moment) sets the clock to `moment` and runs the tasks it queued (ImmediateBackend)."""

    def run(moment):
        monkeypatch.setattr("openiop.reminders.services._now", lambda: moment)
        with django_capture_on_commit_callbacks(execute=True):
            return services.dispatch()

    return run


@pytest.fixture
def dispatch(clock):
    return clock


@pytest.fixture
def booked(world):
    """patient_a (email and phone on record) booked into a group named to reveal its subject."""
    world.patient_a.email = "avery@example.invalid"
    world.patient_a.phone = "+15555550100"
    world.patient_a.save()
    series = group_series(world, name="Relapse prevention")
    session = session_with(world, DAY, [active_episode(world.patient_a)], start=18, end=20, series=series)
    ConsoleSmsBackend.sent = []
    return session


def test_dispatch_twice_sends_once(world, booked, dispatch):
    first = dispatch(EVENING_BEFORE)
    second = dispatch(EVENING_BEFORE)
    assert first["queued"] == 1 and second == {"queued": 0, "skipped": 0, "retried": 0}
    send = ReminderSend.objects.get()
    assert send.channel == Channel.EMAIL and send.status == SendStatus.SENT and send.attempts == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["avery@example.invalid"]


def test_text_has_no_clinical_content(world, booked, dispatch):
    ReminderPreference.objects.create(patient=world.patient_a, sms=True)
    dispatch(EVENING_BEFORE)
    texts = [s.text for s in ReminderSend.objects.all()] + [m.body for m in mail.outbox]
    texts += [body for _, body in ConsoleSmsBackend.sent]
    assert len(texts) == 4  # email and text, each recorded and sent
    for text in texts:
        assert "session tomorrow at" in text
        for word in ("Relapse", "prevention", "Group therapy", "Alice", "Avery", "PHQ", "Adult"):
            assert word not in text


@pytest.mark.parametrize("kind", [plan.SESSION_EVENING, plan.SESSION_HOUR, plan.QUESTIONNAIRE, plan.HOMEWORK])
@pytest.mark.parametrize("language", ["en", "es"])
def test_texts_name_nothing_clinical(kind, language):
    text = reminder_text(kind, datetime.datetime(2026, 11, 27, 18, tzinfo=TZ), language)
    assert text.startswith("OpenIOP:")
    for word in ("PHQ", "GAD", "AUDIT", "depress", "anxi", "relapse", "group", "Dr"):
        assert word.lower() not in text.lower()


def test_quiet_hours_hold_the_reminder(world, booked, dispatch):
    ReminderPreference.objects.create(
        patient=world.patient_a, quiet_start=datetime.time(17), quiet_end=datetime.time(19)
    )
    assert dispatch(EVENING_BEFORE)["queued"] == 0  # 6:30 pm is quiet
    assert dispatch(datetime.datetime(2026, 11, 26, 19, 1, tzinfo=TZ))["queued"] == 1


def test_kind_turned_off_is_recorded_as_skipped(world, booked, dispatch):
    ReminderPreference.objects.create(patient=world.patient_a, sessions=False)
    counts = dispatch(EVENING_BEFORE)
    assert counts == {"queued": 0, "skipped": 1, "retried": 0}
    send = ReminderSend.objects.get()
    assert send.status == SendStatus.SKIPPED and send.last_error == "turned_off" and not mail.outbox


def test_no_channel_is_skipped(world, booked, dispatch):
    ReminderPreference.objects.create(patient=world.patient_a, email=False, sms=False)
    dispatch(EVENING_BEFORE)
    assert ReminderSend.objects.get().last_error == "no_channel"


def test_homework_reminder(world, booked, dispatch):
    homework_for(world, due_on=DAY)
    dispatch(datetime.datetime(2026, 11, 26, 17, 5, tzinfo=TZ))
    send = ReminderSend.objects.get(kind=plan.HOMEWORK)
    assert send.text == "OpenIOP: you have homework due tomorrow."
    assert "Breathing" not in mail.outbox[0].body


def test_patient_language(world, booked, dispatch):
    world.patient_a.language = "es"
    world.patient_a.save()
    dispatch(EVENING_BEFORE)
    assert ReminderSend.objects.get().text == reminder_text(plan.SESSION_EVENING, booked_start(), "es")


def booked_start():
    return datetime.datetime(2026, 11, 27, 18, tzinfo=TZ)


class FailingSms:
    def send(self, *, to, body):
        raise ConnectionError("gateway down")


def test_failed_send_retried_until_it_succeeds(world, booked, settings, dispatch):
    settings.SMS_BACKEND = "openiop.reminders.tests.test_sending.FailingSms"
    ReminderPreference.objects.create(patient=world.patient_a, email=False, sms=True)
    dispatch(EVENING_BEFORE)
    send = ReminderSend.objects.get()
    assert send.status == SendStatus.FAILED and send.attempts == 1 and "gateway down" in send.last_error
    assert dispatch(EVENING_BEFORE + datetime.timedelta(minutes=1))["retried"] == 0  # backing off
    settings.SMS_BACKEND = "openiop.core.sms.ConsoleSmsBackend"
    assert dispatch(EVENING_BEFORE + datetime.timedelta(minutes=6))["retried"] == 1
    send.refresh_from_db()
    assert send.status == SendStatus.SENT and send.attempts == 2 and send.last_error == ""


def test_gives_up_after_three_attempts(world, booked, settings, dispatch):
    settings.SMS_BACKEND = "openiop.reminders.tests.test_sending.FailingSms"
    ReminderPreference.objects.create(patient=world.patient_a, email=False, sms=True)
    moment = EVENING_BEFORE
    dispatch(moment)
    for minutes in (6, 40, 90, 200):
        dispatch(moment + datetime.timedelta(minutes=minutes))
    send = ReminderSend.objects.get()
    assert send.status == SendStatus.FAILED and send.attempts == 3 and send.next_attempt_at is None


def test_deliver_leaves_a_handled_send_alone(world, booked, dispatch):
    dispatch(EVENING_BEFORE)
    send = ReminderSend.objects.get()
    assert deliver(send).attempts == 1  # already sent: not sent again
    assert len(mail.outbox) == 1


def test_other_patients_are_not_reminded_of_patient_a_sessions(world, booked, dispatch):
    world.patient_b.email = "blake@example.invalid"
    world.patient_b.save()
    dispatch(EVENING_BEFORE)
    assert [m.to for m in mail.outbox] == [["avery@example.invalid"]]


@pytest.fixture
def queued_only(monkeypatch, django_capture_on_commit_callbacks):
    """dispatch(moment) records and queues the sends but the worker has not run yet."""

    def run(moment):
        monkeypatch.setattr("openiop.reminders.services._now", lambda: moment)
        with django_capture_on_commit_callbacks(execute=False):
            services.dispatch()
        return ReminderSend.objects.get(status=SendStatus.QUEUED)

    return run


def test_session_cancelled_after_queueing_is_not_reminded(world, booked, queued_only):
    send = queued_only(EVENING_BEFORE)
    booked.status = "cancelled"
    booked.save()
    send = deliver(send)
    assert send.status == SendStatus.SKIPPED and send.last_error == "no_longer_due" and send.attempts == 0
    assert mail.outbox == []


def test_session_moved_after_queueing_is_not_reminded_of_the_old_time(world, booked, queued_only):
    send = queued_only(EVENING_BEFORE)
    booked.start_time = datetime.time(19)
    booked.save()
    assert deliver(send).status == SendStatus.SKIPPED and mail.outbox == []


def test_patient_taken_off_the_session_is_not_reminded(world, booked, queued_only):
    send = queued_only(EVENING_BEFORE)
    booked.attendees.update(status="cancelled")
    assert deliver(send).status == SendStatus.SKIPPED and mail.outbox == []


def test_homework_done_after_queueing_is_not_reminded(world, booked, queued_only):
    homework = homework_for(world, due_on=DAY)
    booked.delete()
    send = queued_only(datetime.datetime(2026, 11, 26, 17, 5, tzinfo=TZ))
    homework.status = "done"
    homework.save()
    assert deliver(send).status == SendStatus.SKIPPED and mail.outbox == []


def test_a_session_still_on_is_sent(world, booked, queued_only):
    assert deliver(queued_only(EVENING_BEFORE)).status == SendStatus.SENT and len(mail.outbox) == 1
