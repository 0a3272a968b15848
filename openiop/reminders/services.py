"""Reminders: the patient's choices, the words sent, and the dispatcher that turns due reminders into sends.

The dispatcher (`dispatch`) is idempotent: each reminder on each channel has a unique dedupe key, so running
it every minute, or twice at once, sends each reminder once. Sending is the worker's job (tasks.py); a failed
send is retried by the dispatcher after a backoff, up to MAX_ATTEMPTS attempts, whatever task backend runs.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.sms import get_sms_backend
from openiop.patients.models import EpisodeStatus, Patient

from . import plan
from .models import MAX_ATTEMPTS, Channel, ReminderPreference, ReminderSend, SendStatus

# Minutes to wait before the 2nd and 3rd attempt.
BACKOFF_MINUTES = (5, 30)
KINDS = ("sessions", "questionnaires", "homework")


def _now() -> datetime.datetime:
    """The clock (one place for tests to set it)."""
    return timezone.now()


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- preferences -------------------------------------------------------------------------------------------


def preference_of(patient: Patient) -> ReminderPreference:
    """The patient's saved choices, or the defaults (unsaved) when they never chose."""
    found = ReminderPreference.objects.filter(patient=patient).first()
    return found or ReminderPreference(patient=patient)


def plan_preferences(pref: ReminderPreference) -> plan.Preferences:
    return plan.Preferences(
        quiet_start=pref.quiet_start,
        quiet_end=pref.quiet_end,
        sessions=pref.sessions,
        questionnaires=pref.questionnaires,
        homework=pref.homework,
    )


def update_preferences(*, patient: Patient, by, request=None, **choices) -> ReminderPreference:
    """Save the patient's choices. Text messages need a phone number, email an email address, on the record
    (the person asks the program to change those)."""
    errors = {}
    if choices.get("sms") and not patient.phone:
        errors["sms"] = _("We do not have a phone number for you. Ask your care team to add one.")
    if choices.get("email") and not patient.email:
        errors["email"] = _("We do not have an email address for you. Ask your care team to add one.")
    if choices.get("quiet_start") is None:
        errors["quiet_start"] = _("Choose a time.")
    if choices.get("quiet_end") is None:
        errors["quiet_end"] = _("Choose a time.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pref = preference_of(patient)
        created = pref.pk is None
        for field in ("email", "sms", "quiet_start", "quiet_end", *KINDS):
            setattr(pref, field, choices[field])
        if created:
            pref.created_by = by
        pref.updated_by = by
        pref.save()
        audit_record(
            action=Action.CREATE if created else Action.UPDATE,
            request=request,
            actor=by,
            patient=patient,
            obj=pref,
            detail={"portal": "reminder_settings"},
        )
    return pref


# --- the words ---------------------------------------------------------------------------------------------


def reminder_text(kind: str, event_at: datetime.datetime, language: str) -> str:
    """What the message says: the time and nothing clinical (no questionnaire, group or clinician name,
    which would tell anyone seeing the phone what the person is treated for), in the person's language."""
    language = language if language in ("en", "es") else "en"
    with translation.override(language):
        time = formats.time_format(event_at.astimezone(local_zone()).time(), "TIME_FORMAT")
        if kind == plan.SESSION_EVENING:
            return _("OpenIOP: you have a session tomorrow at %(time)s.") % {"time": time}
        if kind == plan.SESSION_HOUR:
            return _("OpenIOP: you have a session today at %(time)s.") % {"time": time}
        if kind == plan.QUESTIONNAIRE:
            return _("OpenIOP: you have a questionnaire to fill in today.")
        return _("OpenIOP: you have homework due tomorrow.")


def channels_for(patient: Patient, pref: ReminderPreference) -> list[str]:
    """The channels the person chose and the program can use (an address or number on the record)."""
    found = []
    if pref.email and patient.email:
        found.append(Channel.EMAIL)
    if pref.sms and patient.phone:
        found.append(Channel.SMS)
    return found


# --- what is due -------------------------------------------------------------------------------------------


def reminder_patients():
    """Patients in an open episode who can be reached: a portal account or contact details."""
    return (
        Patient.objects.filter(episodes__status=EpisodeStatus.ACTIVE)
        .filter(Q(user__isnull=False) | ~Q(email="") | ~Q(phone=""))
        .distinct()
        .order_by("pk")
    )


def items_of(patient: Patient, now: datetime.datetime):
    """The patient's sessions, questionnaires and homework close enough to remind of (today to the day after
    tomorrow), as the plan's items."""
    from openiop.measures.selectors import due_questionnaires
    from openiop.patients.selectors import current_episode
    from openiop.scheduling.models import AttendanceStatus, Session, SessionStatus
    from openiop.skills.models import Homework

    tz = local_zone()
    today = now.astimezone(tz).date()
    soon = today + datetime.timedelta(days=2)
    sessions = (
        Session.objects.filter(
            attendees__episode__patient=patient,
            date__range=(today, soon),
            status=SessionStatus.SCHEDULED,
        )
        .exclude(attendees__episode__patient=patient, attendees__status=AttendanceStatus.CANCELLED)
        .distinct()
        .order_by("date", "start_time", "pk")
    )
    session_items = [
        plan.SessionItem(str(s.uuid), datetime.datetime.combine(s.date, s.start_time, tzinfo=tz))
        for s in sessions
    ]
    episode = current_episode(patient)
    questionnaire_items = [
        # A questionnaire has no uuid of its own until it is filled in: its instrument and day name it.
        plan.DayItem(_questionnaire_ref(episode.uuid, d.instrument_code, d.due_on), d.due_on)
        for d in due_questionnaires(episode, today)
        if d.due_on == today
    ]
    homework_items = [
        plan.DayItem(str(h.uuid), h.due_on)
        for h in Homework.objects.open()
        .filter(patient=patient, due_on__range=(today, soon))
        .order_by("due_on", "pk")
    ]
    return session_items, questionnaire_items, homework_items


def _questionnaire_ref(episode_uuid, code: str, day: datetime.date) -> str:
    import uuid

    return str(uuid.uuid5(episode_uuid, f"{code}:{day.isoformat()}"))


def dispatch(now: datetime.datetime | None = None) -> dict:
    """Record every reminder due now (one per channel, or one skipped) and hand new and retry-due sends to
    the worker. Safe to run any number of times: returns counts of what this run did."""
    from .tasks import send_reminder

    now = now or _now()
    counts = {"queued": 0, "skipped": 0, "retried": 0}
    to_send = []
    for patient in reminder_patients():
        pref = preference_of(patient)
        sessions, questionnaires, homework = items_of(patient, now)
        due = plan.due_reminders(
            sessions=sessions,
            questionnaires=questionnaires,
            homework=homework,
            prefs=plan_preferences(pref),
            now=now,
            tz=local_zone(),
        )
        channels = channels_for(patient, pref)
        for reminder in due:
            for send in _record(patient, reminder, channels):
                if send.status == SendStatus.QUEUED:
                    counts["queued"] += 1
                    to_send.append(send.pk)
                else:
                    counts["skipped"] += 1
    retry = ReminderSend.objects.filter(
        status=SendStatus.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now
    ).order_by("pk")
    for send in retry:
        # The status moves back to queued only if nobody else did it first (two dispatchers at once).
        if ReminderSend.objects.filter(pk=send.pk, status=SendStatus.FAILED).update(status=SendStatus.QUEUED):
            counts["retried"] += 1
            to_send.append(send.pk)
    for pk in to_send:
        transaction.on_commit(lambda pk=pk: send_reminder.enqueue(pk))
    return counts


def _record(patient: Patient, reminder: plan.Reminder, channels: list[str]) -> list[ReminderSend]:
    """Create the reminder's send records, returning only those created by this call."""
    if reminder.skipped or not channels:
        rows = [(Channel.NONE, SendStatus.SKIPPED, reminder.skipped or "no_channel")]
    else:
        rows = [(channel, SendStatus.QUEUED, "") for channel in channels]
    created = []
    for channel, status, reason in rows:
        key = f"{reminder.dedupe_key}:{channel}"
        if ReminderSend.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    ReminderSend.objects.create(
                        patient=patient,
                        kind=reminder.kind,
                        channel=channel,
                        due_at=reminder.send_at,
                        event_at=reminder.event_at,
                        object_type=reminder.ref_type,
                        object_uuid=reminder.ref,
                        dedupe_key=key,
                        status=status,
                        last_error=reason,
                    )
                )
        except IntegrityError:  # another dispatcher recorded it a moment ago
            continue
    return created


# --- sending -----------------------------------------------------------------------------------------------


def deliver(send: ReminderSend, now: datetime.datetime | None = None) -> ReminderSend:
    """Send one queued reminder and record the outcome: sent, or failed with the next attempt's time (or
    failed for good after MAX_ATTEMPTS). Does nothing to a send that is not queued (already handled)."""
    now = now or _now()
    with transaction.atomic():
        send = ReminderSend.objects.select_for_update().select_related("patient").get(pk=send.pk)
        if send.status != SendStatus.QUEUED:
            return send
        patient = send.patient
        if not still_due(send):
            # Cancelled, moved or done between queueing and sending: a reminder of something that is not
            # happening is worse than none.
            send.status, send.last_error, send.next_attempt_at = SendStatus.SKIPPED, "no_longer_due", None
            send.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
            return send
        text = reminder_text(send.kind, send.event_at, patient.language)
        send.attempts += 1
        send.text = text
        try:
            if send.channel == Channel.EMAIL:
                send_mail(_subject(patient.language), text, None, [patient.email], fail_silently=False)
            else:
                get_sms_backend().send(to=patient.phone, body=text)
        except Exception as error:  # noqa: BLE001 - any backend failure is recorded and retried
            send.status = SendStatus.FAILED
            send.last_error = f"{type(error).__name__}: {error}"[:200]
            if send.attempts < MAX_ATTEMPTS:
                send.next_attempt_at = now + datetime.timedelta(minutes=BACKOFF_MINUTES[send.attempts - 1])
            else:
                send.next_attempt_at = None
        else:
            send.status = SendStatus.SENT
            send.sent_at = now
            send.last_error = ""
            send.next_attempt_at = None
        send.save()
        audit_record(
            action=Action.CREATE,
            patient=patient,
            obj=send,
            username="reminders",
            detail={
                "reminder": send.kind,
                "channel": send.channel,
                "status": send.status,
                "attempt": send.attempts,
            },
        )
    return send


def still_due(send: ReminderSend) -> bool:
    """Whether what the reminder is about still stands at sending time: the session is still scheduled at
    the time the reminder names and the patient is still booked on it; the homework is still open. A
    questionnaire reminder stands (filling it in early is harmless; the dispatcher never queues one that
    is no longer due)."""
    from openiop.scheduling.models import AttendanceStatus, Session, SessionStatus
    from openiop.skills.models import Homework

    if send.object_type == "session":
        session = (
            Session.objects.filter(uuid=send.object_uuid, status=SessionStatus.SCHEDULED)
            .filter(attendees__episode__patient_id=send.patient_id)
            .exclude(
                attendees__episode__patient_id=send.patient_id, attendees__status=AttendanceStatus.CANCELLED
            )
            .first()
        )
        if session is None:
            return False
        starts = datetime.datetime.combine(session.date, session.start_time, tzinfo=local_zone())
        return starts == send.event_at
    if send.object_type == "homework":
        return Homework.objects.open().filter(uuid=send.object_uuid, patient_id=send.patient_id).exists()
    return True


def _subject(language: str) -> str:
    with translation.override(language if language in ("en", "es") else "en"):
        return _("Reminder from OpenIOP")
