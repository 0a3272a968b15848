"""Group notes: written once on one screen for the session (topic, lesson, interventions, group process and
every attendee's entry in a formset), signed once; each attendee's entry read from their own chart."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.core.pdf import pdf_response, render_pdf
from openiop.scheduling.models import Session, SessionStatus

from ..forms import AddendumForm, GroupEntryFormSet, GroupNoteForm, apply_service_errors
from ..models import NoteStatus
from ..objectives import active_objectives_of
from ..selectors import addenda_of, entries_of, entry_for_user, group_note_for_user, group_note_of
from ..services import (
    EntryErrors,
    EntryInput,
    NoteLocked,
    StaleEdit,
    addendum_add,
    attended_bookings,
    group_note_cosign,
    group_note_save,
    group_note_sign,
)
from ..skills import session_lesson_title
from .notes import _signed_message, break_glass_redirect


def _session_for(request, session_uuid) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("program", "session_type", "room", "series").prefetch_related(
            "clinicians__staff_profile"
        ),
        uuid=session_uuid,
    )
    if not request.user.has_perm("notes.view_group_note", session):
        refuse(request, permission="notes.view_group_note", obj=session)
    return session


def _entry_initial(group_note, bookings):
    existing = (
        {e.episode_id: e for e in group_note.entries.prefetch_related("objectives")} if group_note else {}
    )
    rows = []
    for booking in sorted(
        bookings,
        key=lambda b: (b.episode.patient.legal_family_name, b.episode.patient.legal_given_name, b.pk),
    ):
        entry = existing.get(booking.episode_id)
        rows.append(
            {
                "episode": booking.episode.uuid,
                "participation": entry.participation if entry else "",
                "mood_affect": entry.mood_affect if entry else "",
                "progress": entry.progress if entry else "",
                "plan_next": entry.plan_next if entry else "",
                "objectives": [str(o.uuid) for o in entry.objectives.all()] if entry else [],
                "booking": booking,
            }
        )
    return rows


@policy("notes.use")
@require_http_methods(["GET", "POST"])
def group_note(request, session_uuid):
    """The session's group note. Its author (a facilitator) writes and signs it; the other facilitators and
    the program's director read it; after signing, addenda."""
    session = _session_for(request, session_uuid)
    user = request.user
    note = group_note_of(session)
    today = timezone.localdate()
    writable = (
        user.has_perm("notes.write_group_note", session)
        and session.session_type.is_group
        and session.status == SessionStatus.SCHEDULED
        and session.date <= today
        and (note is None or (note.is_draft and note.author_id == user.pk))
    )
    bookings = attended_bookings(session)
    rows = _entry_initial(note, bookings)
    objectives = {row["episode"]: active_objectives_of(row["booking"].episode) for row in rows}
    initial_rows = [{k: v for k, v in row.items() if k != "booking"} for row in rows]
    data = request.POST if request.method == "POST" and writable else None
    form = GroupNoteForm(
        data,
        initial={
            "version": note.version if note else None,
            "topic": note.topic if note else "",
            "interventions": note.interventions if note else "",
            "group_process": note.group_process if note else "",
        },
    )
    formset = GroupEntryFormSet(
        data, initial=initial_rows, form_kwargs={"objectives_by_episode": objectives}, prefix="entries"
    )
    conflict = None
    if data is not None and form.is_valid() and formset.is_valid():
        posted = [row["episode"] for row in formset.cleaned_data]
        if posted != [row["episode"] for row in initial_rows]:
            messages.warning(
                request, _("Attendance changed while you were writing; please check the entries again.")
            )
            return redirect("notes:group_note", session_uuid=session.uuid)
        entries = {
            row["episode"]: EntryInput(
                participation=row["participation"],
                mood_affect=row["mood_affect"],
                progress=row["progress"],
                plan_next=row["plan_next"],
                objectives=list(row["objectives"]),
            )
            for row in formset.cleaned_data
        }
        try:
            note = group_note_save(
                session=session,
                by=user,
                topic=form.cleaned_data["topic"],
                interventions=form.cleaned_data["interventions"],
                group_process=form.cleaned_data["group_process"],
                entries=entries,
                version=form.cleaned_data["version"],
                request=request,
            )
            if "sign" in data:
                note = group_note_sign(group_note=note, version=note.version, by=user, request=request)
        except StaleEdit as stale:
            conflict = stale.current
            form.data = form.data.copy()
            form.data["version"] = conflict.version
            form.add_error(None, str(stale))
        except NoteLocked as locked:
            messages.warning(request, str(locked))
            return redirect("notes:group_note", session_uuid=session.uuid)
        except EntryErrors as errors:
            _entry_errors(formset, errors)
            _keep_version(form, session)
        except ValidationError as error:
            apply_service_errors(form, error)
            _keep_version(form, session)
        else:
            if note.is_draft:
                messages.success(
                    request, _("Group note saved as a draft (%(count)s entries).") % {"count": len(entries)}
                )
            else:
                messages.success(request, _signed_message(note))
            return redirect("notes:group_note", session_uuid=session.uuid)
    if data is None:
        audit_record(
            action=Action.VIEW,
            request=request,
            obj=note or session,
            detail={"page": "group_note", "session": str(session.uuid), "attendees": len(rows)},
        )
    context = {
        "session": session,
        "note": note,
        "form": form,
        "formset": formset,
        "rows": list(zip(rows, formset.forms, strict=True)),
        "writable": writable,
        "conflict": conflict,
        "lesson": note.lesson if note and not note.is_draft else session_lesson_title(session),
        "entries": entries_of(note) if note and not writable else [],
        "addenda": addenda_of(note) if note else [],
        # Booked but not there (absent, cancelled, not recorded yet): no entry, only a count.
        "not_attended": session.attendees.count() - len(bookings),
        "is_future": session.date > today,
        "may_cosign": note is not None
        and note.status == NoteStatus.AWAITING_COSIGNATURE
        and user.has_perm("notes.cosign_group_note", note),
        "may_amend": note is not None and note.is_locked and user.has_perm("notes.add_group_addendum", note),
        "addendum_form": AddendumForm(),
    }
    return render(request, "notes/group_note.html", context)


def _keep_version(form, session):
    """A save that went through before signing was refused moved the version on: follow it."""
    saved = group_note_of(session)
    if saved is not None:
        form.data = form.data.copy()
        form.data["version"] = saved.version


def _entry_errors(formset, errors: EntryErrors):
    by_episode = {str(f.initial.get("episode")): f for f in formset.forms}
    for episode, problems in errors.by_episode.items():
        form = by_episode.get(episode)
        for name, message in problems.items():
            if form is not None and name in form.fields:
                form.add_error(name, message)
            else:
                formset._non_form_errors = formset.error_class([*formset.non_form_errors(), message])
    formset._non_form_errors = formset.error_class(
        [*formset.non_form_errors(), _("Some entries need attention; see each person's row.")]
    )


@policy("notes.use")
@require_POST
def group_note_cosign_view(request, group_uuid):
    note = group_note_for_user(request, group_uuid, permission="notes.cosign_group_note")
    try:
        group_note_cosign(group_note=note, by=request.user, request=request)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("Co-signed."))
    return redirect("notes:group_note", session_uuid=note.session.uuid)


@policy("notes.use")
@require_POST
def group_addendum(request, group_uuid):
    """An addendum to the shared part, seen in every attendee's entry: it must name no patient."""
    note = group_note_for_user(request, group_uuid, permission="notes.add_group_addendum")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            addendum_add(target=note, text=form.cleaned_data["text"], by=request.user, request=request)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        else:
            messages.success(request, _("Addendum added and signed."))
    else:
        messages.warning(request, " ".join(form.errors.get("text", [])) or _("Write the addendum."))
    return redirect("notes:group_note", session_uuid=note.session.uuid)


def _entry_context(entry, user, addendum_form=None):
    group_note = entry.group_note
    return {
        "entry": entry,
        "group_note": group_note,
        "session": group_note.session,
        "patient": entry.patient,
        "objectives": list(entry.objectives.all()),
        "group_addenda": addenda_of(group_note),
        "addenda": addenda_of(entry),
        "may_amend": group_note.is_locked and user.has_perm("notes.add_entry_addendum", entry),
        "addendum_form": addendum_form or AddendumForm(),
    }


@policy("notes.use")
@break_glass_redirect
def entry_detail(request, entry_uuid):
    """One attendee's entry as their chart shows it: the shared part and their own entry, no one else's."""
    entry = entry_for_user(request, entry_uuid)  # audits the view
    return render(request, "notes/entry_detail.html", _entry_context(entry, request.user))


@policy("notes.use")
@require_POST
@break_glass_redirect
def entry_addendum(request, entry_uuid):
    entry = entry_for_user(request, entry_uuid, permission="notes.add_entry_addendum", audit=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            addendum_add(target=entry, text=form.cleaned_data["text"], by=request.user, request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Addendum added and signed."))
            return redirect("notes:entry_detail", entry_uuid=entry.uuid)
    audit_record(
        action=Action.VIEW, request=request, patient=entry.patient, obj=entry, detail={"page": "addendum"}
    )
    return render(request, "notes/entry_detail.html", _entry_context(entry, request.user, form))


@policy("notes.use")
@break_glass_redirect
def entry_pdf(request, entry_uuid):
    entry = entry_for_user(request, entry_uuid, audit=False)
    if entry.group_note.is_draft:
        messages.warning(request, _("A draft cannot be exported; the facilitator signs it first."))
        return redirect("notes:entry_detail", entry_uuid=entry.uuid)
    document = render_pdf("notes/pdf/entry.html", _entry_context(entry, request.user), request=request)
    audit_record(
        action=Action.EXPORT, request=request, patient=entry.patient, obj=entry, detail={"format": "pdf"}
    )
    return pdf_response(
        document, f"group-note-{entry.patient.record_number}-{entry.group_note.date_of_service:%Y-%m-%d}"
    )
