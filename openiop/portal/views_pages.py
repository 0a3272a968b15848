"""The portal's everyday pages: home, schedule (with the private calendar feed), my plan (and signing
it), and the safety plans with their pocket PDF.

Every view is `portal.use` and reads the record through `portal_patient` (one audit event per page); writes
go through the owning app's services, which audit themselves. Nothing here takes a patient id, and the
only object named in a URL (a calendar feed) is looked up among the signed-in patient's own.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.coordination.services import consents_awaiting_signature
from openiop.core.access import policy
from openiop.core.pdf import pdf_response
from openiop.measures.selectors import due_questionnaires
from openiop.patients.models import EpisodeStatus, Patient
from openiop.safety.models import KIND_SLUGS
from openiop.safety.pdf import render_pocket_pdf
from openiop.safety.selectors import current_plans, kind_of_slug, plan_state, rendered
from openiop.scheduling import calendars
from openiop.scheduling.models import AttendanceStatus, SessionAttendee, SessionStatus
from openiop.skills.models import Homework
from openiop.treatment.models import PlanStatus, SignatureRole, TreatmentPlan
from openiop.treatment.selectors import active_plan, plan_tree, signatures_of
from openiop.treatment.services import PlanLocked, plan_sign

from .forms_pages import PlanSignatureForm
from .selectors import portal_episode, portal_patient

# The new feed's URL lives in the session only between the POST that creates it and the page showing it.
NEW_FEED_SESSION_KEY = "openiop_portal_new_calendar_feed"
ONE_WEEK = datetime.timedelta(days=7)


# -- Reads shared by the pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    """One of the patient's own sessions as the portal shows it: never who else is booked."""

    date: datetime.date
    start: datetime.time
    end: datetime.time
    type_name: str
    place: str
    video_link: str
    cancelled: bool


def own_bookings(patient: Patient, first: datetime.date, last: datetime.date) -> list[Booking]:
    """The patient's bookings between two dates (a booking they cancelled is left out; a session the
    program cancelled shows as cancelled). Built from the patient's own attendee rows, so a group's roster
    is never loaded."""
    rows = (
        SessionAttendee.objects.filter(episode__patient=patient, session__date__range=(first, last))
        .exclude(status=AttendanceStatus.CANCELLED)
        .select_related("session__session_type", "session__room")
        .order_by("session__date", "session__start_time", "pk")
    )
    bookings = []
    for row in rows:
        session = row.session
        cancelled = session.status == SessionStatus.CANCELLED
        bookings.append(
            Booking(
                date=session.date,
                start=session.start_time,
                end=session.end_time,
                type_name=session.session_type.name,
                place=calendars.place_of(session),
                video_link="" if cancelled else session.video_link,
                cancelled=cancelled,
            )
        )
    return bookings


def next_booking(patient: Patient, now: datetime.datetime) -> Booking | None:
    """The next session still to come (or under way) that is not cancelled, within the next 60 days."""
    today = timezone.localdate(now)
    clock = timezone.localtime(now).time()
    for booking in own_bookings(patient, today, today + datetime.timedelta(days=60)):
        if booking.cancelled or (booking.date == today and booking.end <= clock):
            continue
        return booking
    return None


def awaiting_plan(episode) -> TreatmentPlan | None:
    """The plan version sent for signatures, if any (a draft not yet sent is never shown)."""
    if episode is None:
        return None
    return TreatmentPlan.objects.filter(episode=episode, status=PlanStatus.AWAITING_SIGNATURES).first()


def awaits_patient(plan: TreatmentPlan | None) -> bool:
    return plan is not None and SignatureRole.PATIENT not in signatures_of(plan)


def _admitted(episode) -> bool:
    return episode is not None and episode.status == EpisodeStatus.ACTIVE


# -- Home -------------------------------------------------------------------------------------------------


@policy("portal.use")
@require_GET
def home(request):
    """Where a patient lands: the next session, what is due, the safety plan one tap away."""
    patient = portal_patient(request, page="home")
    episode = portal_episode(patient)
    today = timezone.localdate()
    admitted = _admitted(episode)
    plan = awaiting_plan(episode) if admitted else None
    context = {
        "patient": patient,
        "episode": episode,
        "admitted": admitted,
        "first_name": patient.preferred_name or patient.legal_given_name,
        "next_session": next_booking(patient, timezone.now()) if admitted else None,
        "questionnaires_due": len(due_questionnaires(episode, today)) if admitted else 0,
        "homework_due": Homework.objects.open().filter(patient=patient).count(),
        "plan_to_sign": plan if awaits_patient(plan) else None,
        "consents_to_sign": consents_awaiting_signature(patient).count(),
        "questionnaires_url": _url_or_none("portal:questionnaires"),
        "skills_url": _url_or_none("portal:skills"),
    }
    return render(request, "portal/pages/home.html", context)


def _url_or_none(name: str) -> str | None:
    """Another part's page, if installed (parts of the portal arrive separately)."""
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# -- Schedule ---------------------------------------------------------------------------------------------


@policy("portal.use")
@require_GET
@never_cache  # the page may show a new feed's URL once: no copy of it in any cache
def schedule(request):
    """This week's and next week's sessions, and the patient's private calendar feeds."""
    patient = portal_patient(request, page="schedule", action=Action.LIST)
    this_week = calendars.Period.week_of(timezone.localdate())
    next_week = this_week.next
    bookings = own_bookings(patient, this_week.first, next_week.last)
    weeks = [
        (_("This week"), this_week, [b for b in bookings if b.date <= this_week.last]),
        (_("Next week"), next_week, [b for b in bookings if b.date >= next_week.first]),
    ]
    context = {
        "patient": patient,
        "weeks": weeks,
        "feeds": list(_own_feeds(request.user, patient).active()),
        "new_feed_url": request.session.pop(NEW_FEED_SESSION_KEY, None),
    }
    return render(request, "portal/pages/schedule.html", context)


def _own_feeds(user, patient):
    return calendars.feeds_of(user).filter(patient=patient).order_by("-created_at", "pk")


@policy("portal.use")
@require_POST
def feed_create(request):
    """A private calendar feed of the patient's own sessions; its URL is shown once."""
    patient = portal_patient(request, page="schedule", audit=False)
    feed, raw = calendars.calendar_feed_create(owner=request.user, patient=patient, request=request)
    request.session[NEW_FEED_SESSION_KEY] = request.build_absolute_uri(
        reverse("scheduling:feed_ics", kwargs={"token": raw})
    )
    messages.success(request, _("Your calendar link is ready. Copy it now: we show it only once."))
    return redirect("portal:schedule")


@policy("portal.use")
@require_POST
def feed_revoke(request, feed_uuid):
    """Stop a feed. Another person's feed is not found (404)."""
    patient = portal_patient(request, page="schedule", audit=False)
    feed = get_object_or_404(_own_feeds(request.user, patient), uuid=feed_uuid)
    calendars.calendar_feed_revoke(feed=feed, by=request.user, request=request)
    messages.success(request, _("That calendar link no longer works."))
    return redirect("portal:schedule")


# -- My plan ----------------------------------------------------------------------------------------------


@policy("portal.use")
@require_http_methods(["GET", "POST"])
def plan(request):
    """The active plan in the patient's words, and the version waiting for their signature (with the
    form to sign it). POST signs: the treatment service records a portal signature and audits it."""
    posted = request.method == "POST"
    patient = portal_patient(request, page="plan", audit=not posted)
    episode = portal_episode(patient)
    current = active_plan(episode) if episode is not None else None
    awaiting = awaiting_plan(episode)
    to_sign = awaiting if awaits_patient(awaiting) else None
    form = PlanSignatureForm(
        request.POST if posted else None,
        patient=patient,
        initial={"version": to_sign.uuid if to_sign else None},
    )
    if posted:
        if to_sign is None:
            messages.info(request, _("There is no plan waiting for your signature."))
            return redirect("portal:plan")
        if form.is_valid():
            if form.cleaned_data["version"] != to_sign.uuid:
                messages.warning(request, _("Your plan changed. Please read it again before you sign."))
                return redirect("portal:plan")
            try:
                plan_sign(
                    plan=to_sign, role=SignatureRole.PATIENT, by=request.user, attested=True, request=request
                )
            except PlanLocked:
                messages.warning(request, _("Your plan changed. Please read it again before you sign."))
                return redirect("portal:plan")
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Thank you. You signed your plan."))
                return redirect("portal:plan")
        # A refused signature re-renders the page: that is a read of the plan, audited as one.
        audit_record(
            action=Action.VIEW, request=request, patient=patient, obj=patient, detail={"portal": "plan"}
        )
    context = {
        "patient": patient,
        "admitted": _admitted(episode),
        "current": current,
        "current_tree": plan_tree(current) if current else [],
        "to_sign": to_sign,
        "to_sign_tree": plan_tree(to_sign) if to_sign else [],
        "signed_awaiting": awaiting if awaiting is not None and to_sign is None else None,
        "form": form,
    }
    return render(request, "portal/pages/plan.html", context)


# -- Safety plans -----------------------------------------------------------------------------------------


@policy("portal.use")
@require_GET
def safety(request):
    """The current signed safety and relapse-prevention plans (drafts are the team's, not shown)."""
    patient = portal_patient(request, page="safety")
    shown = [(rendered(current), KIND_SLUGS[current.kind]) for current in current_plans(patient)]
    return render(request, "portal/pages/safety.html", {"patient": patient, "shown_plans": shown})


@policy("portal.use")
@require_GET
def safety_pdf(request, kind):
    """The pocket PDF of the current signed plan of `kind`, as staff print it. Audited as an export."""
    kind = kind_of_slug(kind)
    patient = portal_patient(request, page="safety_pdf", audit=False)
    current = plan_state(patient, kind).current
    if current is None:
        raise Http404("No signed plan of this kind.")
    document, pages = render_pocket_pdf(
        "safety/plan_pdf.html", {"shown": rendered(current), "patient": patient}, request=request
    )
    audit_record(
        action=Action.EXPORT,
        request=request,
        patient=patient,
        obj=current,
        detail={
            "kind": current.kind,
            "number": current.number,
            "format": "pdf",
            "pages": pages,
            "portal": True,
        },
    )
    return pdf_response(document, f"{current.get_kind_display()} {timezone.localdate():%Y-%m-%d}")
