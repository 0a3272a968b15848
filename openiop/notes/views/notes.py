"""A patient's notes: the list, a new note (type, format, session, then the format's sections), reading,
editing and signing a draft, co-signing, addenda and the PDF of a signed note."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response, render_pdf
from openiop.patients.selectors import BreakGlassRequired
from openiop.scheduling.models import Session, SessionStatus

from ..forms import AddendumForm, NoteForm, NoteStartForm, apply_service_errors
from ..models import ATTENDED, NoteStatus
from ..registry import get_format
from ..selectors import addenda_of, note_for_user, patient_note_rows, patient_notes_for_user
from ..services import NoteLocked, StaleEdit, addendum_add, note_cosign, note_create, note_sign, note_update

RECENT_SESSIONS = datetime.timedelta(days=30)


def break_glass_redirect(view):
    """A user who may only read these notes by breaking the glass is sent to the chart's prompt."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BreakGlassRequired as needed:
            return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)

    wrapped.__name__ = view.__name__
    wrapped.__wrapped__ = view
    return wrapped


@policy("notes.use")
@break_glass_redirect
def patient_notes(request, patient_uuid):
    patient = patient_notes_for_user(request, patient_uuid)  # audits the list
    context = {
        "patient": patient,
        "rows": patient_note_rows(patient),
        "may_write": request.user.has_perm("notes.write_patient_notes", patient),
    }
    return render(request, "notes/patient_notes.html", context)


def _attended_sessions(patient, today):
    return (
        Session.objects.filter(
            attendees__episode__patient=patient,
            attendees__status__in=ATTENDED,
            status=SessionStatus.SCHEDULED,
            date__range=(today - RECENT_SESSIONS, today),
        )
        .select_related("session_type")
        .order_by("-date", "-start_time")
        .distinct()
    )


@policy("notes.use")
@require_http_methods(["GET", "POST"])
@break_glass_redirect
def note_create_view(request, patient_uuid):
    """Step 1 (GET without a type): type, format, session. Step 2: the chosen format's sections."""
    patient = patient_notes_for_user(
        request, patient_uuid, permission="notes.write_patient_notes", audit=False
    )
    today = timezone.localdate()
    source = (
        request.POST if request.method == "POST" else (request.GET if "note_type" in request.GET else None)
    )
    start = NoteStartForm(source, sessions=_attended_sessions(patient, today))
    form = None
    if start.is_bound and start.is_valid():
        choice = start.cleaned_data
        note_format = get_format(choice["format_id"])
        with_times = choice["session"] is None
        data = request.POST if request.method == "POST" else None
        initial = {"date_of_service": today} if with_times else {}
        form = NoteForm(data, note_format=note_format, with_times=with_times, initial=initial)
        if data is not None and form.is_valid():
            try:
                note = note_create(
                    patient=patient,
                    note_type=choice["note_type"],
                    format_id=note_format.id,
                    session=choice["session"],
                    content=form.content(),
                    date_of_service=form.cleaned_data.get("date_of_service"),
                    start_time=form.cleaned_data.get("start_time"),
                    end_time=form.cleaned_data.get("end_time"),
                    by=request.user,
                    request=request,
                )
            except ValidationError as error:
                apply_service_errors(form, error, prefix_map={"session": None})
            else:
                messages.success(request, _("Draft saved. Sign it when it is complete."))
                return redirect("notes:note_edit", note_uuid=note.uuid)
    audit_record(
        action=Action.VIEW, request=request, patient=patient, obj=patient, detail={"page": "note_create"}
    )
    return render(request, "notes/note_create.html", {"patient": patient, "start": start, "form": form})


def _sections(note):
    note_format = get_format(note.format_id, note.format_version)
    return [(section, note.content.get(section.key, "")) for section in note_format.sections]


@policy("notes.use")
@break_glass_redirect
def note_detail(request, note_uuid):
    note = note_for_user(request, note_uuid)  # audits the view
    user = request.user
    context = {
        "note": note,
        "patient": note.patient,
        "sections": _sections(note),
        "addenda": addenda_of(note),
        "may_edit": note.is_draft and user.has_perm("notes.change_note", note),
        "may_cosign": note.status == NoteStatus.AWAITING_COSIGNATURE
        and user.has_perm("notes.cosign_note", note),
        "may_amend": note.is_locked and user.has_perm("notes.add_addendum", note),
        "addendum_form": AddendumForm(),
    }
    return render(request, "notes/note_detail.html", context)


@policy("notes.use")
@require_http_methods(["GET", "POST"])
@break_glass_redirect
def note_edit(request, note_uuid):
    """Edit a draft (its author), and "Save and sign". A stale save keeps the text typed and shows the
    saved text beside it; a signed note sends the author to its page, where only addenda are added."""
    note = note_for_user(request, note_uuid, permission="notes.change_note", audit=False)
    if not note.is_draft:
        messages.info(request, _("This note is signed and locked. Add an addendum instead."))
        return redirect("notes:note_detail", note_uuid=note.uuid)
    note_format = get_format(note.format_id, note.format_version)
    with_times = note.session_id is None
    initial = {
        "version": note.version,
        "date_of_service": note.date_of_service,
        "start_time": note.start_time,
        "end_time": note.end_time,
        **{f"section_{key}": value for key, value in note.content.items()},
    }
    data = request.POST if request.method == "POST" else None
    form = NoteForm(data, note_format=note_format, with_times=with_times, initial=initial)
    conflict = None
    if data is not None and form.is_valid():
        try:
            note = note_update(
                note=note,
                version=form.cleaned_data["version"] or 0,
                content=form.content(),
                date_of_service=form.cleaned_data.get("date_of_service"),
                start_time=form.cleaned_data.get("start_time"),
                end_time=form.cleaned_data.get("end_time"),
                by=request.user,
                request=request,
            )
            if "sign" in data:
                note = note_sign(note=note, version=note.version, by=request.user, request=request)
        except StaleEdit as stale:
            conflict = _conflict(form, stale, note_format)
        except NoteLocked as locked:
            messages.warning(request, str(locked))
            return redirect("notes:note_detail", note_uuid=note.uuid)
        except ValidationError as error:
            apply_service_errors(form, error)
            form.data = form.data.copy()
            form.data["version"] = note.version  # the save went through; signing was refused
        else:
            if note.is_draft:
                messages.success(request, _("Draft saved."))
                return redirect("notes:note_edit", note_uuid=note.uuid)
            messages.success(request, _signed_message(note))
            return redirect("notes:note_detail", note_uuid=note.uuid)
    if data is None:
        audit_record(
            action=Action.VIEW, request=request, patient=note.patient, obj=note, detail={"page": "edit"}
        )
    context = {"note": note, "patient": note.patient, "form": form, "conflict": conflict}
    return render(request, "notes/note_edit.html", context)


def _conflict(form, stale: StaleEdit, note_format) -> dict:
    """Keep what the user typed, show what is saved, and let the next save start from the saved version."""
    current = stale.current
    form.data = form.data.copy()
    form.data["version"] = current.version
    form.add_error(None, str(stale))
    return {
        "version": current.version,
        "updated_by": current.updated_by,
        "updated_at": current.updated_at,
        "sections": [(s, current.content.get(s.key, "")) for s in note_format.sections],
    }


def _signed_message(record) -> str:
    if record.status == NoteStatus.AWAITING_COSIGNATURE:
        return _("Signed. The note is locked and awaits co-signature by %(name)s.") % {
            "name": record.cosigner.display_name
        }
    if record.is_late:
        return _(
            "Signed and locked. It is marked as a late entry (signed more than 24 hours after the service)."
        )
    return _("Signed and locked.")


@policy("notes.use")
@require_POST
def note_cosign_view(request, note_uuid):
    note = note_for_user(request, note_uuid, permission="notes.cosign_note", audit=False)
    try:
        note_cosign(note=note, by=request.user, request=request)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("Co-signed."))
    return redirect("notes:note_detail", note_uuid=note.uuid)


@policy("notes.use")
@require_POST
@break_glass_redirect
def note_addendum(request, note_uuid):
    note = note_for_user(request, note_uuid, permission="notes.add_addendum", audit=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            addendum_add(target=note, text=form.cleaned_data["text"], by=request.user, request=request)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Addendum added and signed."))
            return redirect("notes:note_detail", note_uuid=note.uuid)
    audit_record(
        action=Action.VIEW, request=request, patient=note.patient, obj=note, detail={"page": "addendum"}
    )
    context = {
        "note": note,
        "patient": note.patient,
        "sections": _sections(note),
        "addenda": addenda_of(note),
        "may_amend": note.is_locked,
        "addendum_form": form,
    }
    return render(request, "notes/note_detail.html", context)


@policy("notes.use")
@break_glass_redirect
def note_pdf(request, note_uuid):
    """The signed note as a PDF: patient, author, signatures and co-signature, timestamps, addenda."""
    note = note_for_user(request, note_uuid, audit=False)
    if note.is_draft:
        messages.warning(request, _("A draft cannot be exported; sign it first."))
        return redirect("notes:note_detail", note_uuid=note.uuid)
    document = render_pdf(
        "notes/pdf/note.html",
        {"note": note, "patient": note.patient, "sections": _sections(note), "addenda": addenda_of(note)},
        request=request,
    )
    audit_record(
        action=Action.EXPORT, request=request, patient=note.patient, obj=note, detail={"format": "pdf"}
    )
    return pdf_response(document, f"note-{note.patient.record_number}-{note.date_of_service:%Y-%m-%d}")
