"""Unsigned notes: the caller's own (with 24 h and 72 h buckets and what awaits their co-signature), and a
program's by clinician for its director."""

from django.shortcuts import get_object_or_404, render

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse
from openiop.programs.models import Program

from ..selectors import (
    awaiting_cosignature_of,
    group_sessions_to_document,
    unsigned_of_author,
    unsigned_of_program,
)
from ..timeliness import DUE_WITHIN


@policy("notes.use")
def my_unsigned(request):
    unsigned = unsigned_of_author(request.user)
    awaiting = awaiting_cosignature_of(request.user)
    to_document = list(group_sessions_to_document(request.user))
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="notes.note",
        detail={"page": "my_unsigned", "unsigned": len(unsigned), "awaiting": len(awaiting)},
    )
    context = {
        "unsigned": unsigned,
        "awaiting": awaiting,
        "to_document": to_document,
        "due_hours": int(DUE_WITHIN.total_seconds() // 3600),
    }
    return render(request, "notes/my_unsigned.html", context)


@policy("notes.view_program_unsigned")
def program_unsigned(request, program_uuid):
    program = get_object_or_404(Program, uuid=program_uuid)
    if not request.user.has_perm("notes.view_program_unsigned_notes", program):
        refuse(request, permission="notes.view_program_unsigned_notes", obj=program)
    clinicians = unsigned_of_program(program)
    audit_record(
        action=Action.LIST,
        request=request,
        obj=program,
        detail={"page": "program_unsigned", "clinicians": len(clinicians)},
    )
    context = {
        "program": program,
        "clinicians": clinicians,
        "total": sum(len(c.rows) for c in clinicians),
        "over_24h": sum(c.over_24h for c in clinicians),
        "over_72h": sum(c.over_72h for c in clinicians),
    }
    return render(request, "notes/program_unsigned.html", context)
