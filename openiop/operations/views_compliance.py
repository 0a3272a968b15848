"""Compliance lists (PRODUCT.md §8): filters, a summary per list, one table per list, and the CSV export.

Names follow the chart: a row names the patient (linked to the chart) only for a user who may open that
chart; everyone else, auditors included, sees the record number only. The CSV follows the same rule.
"""

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openiop.audit.export import neutralise_formula
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy

from . import compliance as core
from .forms_compliance import LATE, ComplianceFilterForm
from .selectors_compliance import EXPORT, VIEW, compliance_items, compliance_programs, program_for_compliance


@dataclass(frozen=True)
class Row:
    item: core.Item
    name: str  # empty unless the user may open the chart
    chart_url: str


def _form(request):
    return ComplianceFilterForm(request.GET or None, programs=compliance_programs(request.user))


def _items(request, form, permission: str):
    """(program, the filtered items) for valid filters, refusing a program the user may not read."""
    data = form.cleaned_data
    program = program_for_compliance(request, data["program"].uuid, permission)
    items = compliance_items(program, track=data["track"], now=timezone.now(), today=timezone.localdate())
    owner = data["owner"]
    status = data["status"]
    items = core.select(
        items,
        kind=data["kind"],
        owner_id=owner.pk if owner else None,
        late_only=status == LATE,
        status="" if status == LATE else status,
    )
    return program, items


def _rows(request, items) -> list[Row]:
    may_open = {}
    rows = []
    for item in items:
        patient = item.candidate.subject
        if patient is None:
            rows.append(Row(item, "", ""))
            continue
        if patient.pk not in may_open:
            may_open[patient.pk] = request.user.has_perm("patients.view_chart", patient)
        if may_open[patient.pk]:
            rows.append(Row(item, patient.display_name, reverse("patients:chart", args=[patient.uuid])))
        else:
            rows.append(Row(item, "", ""))
    return rows


def _audit_detail(program, form, items) -> dict:
    data = form.cleaned_data
    counts = {kind: len(found) for kind, found in core.by_kind(items).items()}
    return {
        "program": str(program.uuid),
        "track": str(data["track"].uuid) if data["track"] else "",
        "kind": data["kind"],
        "owner": str(data["owner"].uuid) if data["owner"] else "",
        "status": data["status"],
        "counts": counts,
    }


def _query(form, **override) -> str:
    data = form.cleaned_data
    query = {
        "program": str(data["program"].uuid),
        "track": str(data["track"].uuid) if data["track"] else "",
        "kind": data["kind"],
        "owner": str(data["owner"].uuid) if data["owner"] else "",
        "status": data["status"],
    }
    query.update(override)
    return urlencode({k: v for k, v in query.items() if v})


@policy("operations.view_compliance")
@require_GET
def compliance_index(request):
    form = _form(request)
    has_programs = bool(form.fields["program"].widget.choices)
    context = {"form": form, "has_programs": has_programs}
    if has_programs and form.is_valid():
        program, items = _items(request, form, VIEW)
        audit_record(
            action=Action.LIST,
            request=request,
            obj=program,
            object_type="operations.compliance",
            detail=_audit_detail(program, form, items),
        )
        counts = core.counts_per_kind(items)
        kinds = [form.cleaned_data["kind"]] if form.cleaned_data["kind"] else list(core.KINDS)
        all_rows = _rows(request, items)
        lists = []
        for kind in kinds:
            rows = [row for row in all_rows if row.item.kind == kind]
            lists.append(
                {
                    "kind": kind,
                    "label": core.KIND_LABELS[kind],
                    "rows": rows,
                    "is_notes": kind == core.UNSIGNED_NOTE,
                    "export_query": _query(form, kind=kind),
                }
            )
        context.update(
            program=program,
            summary=[
                {
                    "kind": kind,
                    "label": core.KIND_LABELS[kind],
                    "counts": counts[kind],
                    "late": sum(counts[kind][s] for s in core.LATE),
                }
                for kind in kinds
            ],
            lists=lists,
            owners=[
                {"owner": owner, "counts": c, "late": sum(c[s] for s in core.LATE), "total": sum(c.values())}
                for owner, c in core.counts_per_owner(items).items()
            ],
            total=len(items),
            may_export=request.user.has_perm(EXPORT, program),
            export_query=_query(form),
        )
    return render(request, "operations/compliance.html", context)


CSV_HEADER = (
    "program",
    "list",
    "record_number",
    "patient",
    "what",
    "owner",
    "due",
    "status",
    "days_overdue",
)


def csv_rows(program, rows: list[Row]):
    for row in rows:
        item, c = row.item, row.item.candidate
        deadline = item.deadline
        due = (
            deadline.isoformat()
            if c.due_on is not None
            else timezone.localtime(deadline).isoformat(timespec="minutes")
        )
        # Text someone typed (names, topics, a program) is neutralised; our own codes and figures are not.
        yield [
            neutralise_formula(program.name),
            core.KIND_LABELS[item.kind],
            c.record_number,
            neutralise_formula(row.name),
            neutralise_formula(c.what),
            neutralise_formula(c.owner),
            due,
            item.status_label,
            item.days_overdue,
        ]


@policy("operations.view_compliance")
@require_GET
@never_cache
def compliance_export(request):
    form = _form(request)
    if not form.fields["program"].widget.choices or not form.is_valid():
        return redirect(f"{reverse('operations:compliance')}?{request.GET.urlencode()}")
    program, items = _items(request, form, EXPORT)
    audit_record(
        action=Action.EXPORT,
        request=request,
        obj=program,
        object_type="operations.compliance",
        detail=_audit_detail(program, form, items),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(program, _rows(request, items)))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    kind = form.cleaned_data["kind"] or "all"
    filename = f"compliance-{program.short_name}-{kind}-{timezone.localdate().isoformat()}.csv"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response
