"""Program outcomes (Joint Commission CTS.03.01.09): filters, the figures with their denominators, a bar
chart, tables by track and by primary clinician, and the CSV export."""

import csv
import io
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openiop.audit.export import neutralise_formula
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy, refuse

from .. import svg
from ..forms_outcomes import OutcomeFilterForm
from ..outcomes import OutcomeReport, Summary
from ..selectors_outcomes import (
    SCOPE_CASELOAD,
    charted_instrument,
    charted_instruments,
    outcome_programs,
    outcome_view_or_refuse,
    program_outcome_report,
)


def _filters(request):
    form = OutcomeFilterForm(
        request.GET or None,
        programs=outcome_programs(request.user),
        instruments=charted_instruments(),
        today=timezone.localdate(),
    )
    return form


def _report(request, form):
    """The outcome view and report for valid filters (refusing a program the user may not read)."""
    data = form.cleaned_data
    view = outcome_view_or_refuse(request, data["program"])  # a program the form read for this user
    instrument = charted_instrument(data["instrument"])
    report = program_outcome_report(view, instrument, start=data["from"], end=data["to"], user=request.user)
    return view, instrument, report


def _audit_detail(view, report: OutcomeReport) -> dict:
    return {
        "program": str(view.program.uuid),
        "instrument": report.instrument_code,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "scope": view.scope,
        "episodes": report.overall.episodes,
    }


def rate_bars(summary: Summary, *, response: bool, remission: bool) -> list[svg.Bar]:
    rows = [
        ("Reliable improvement", summary.reliable_improvement),
        ("No reliable change", summary.no_reliable_change),
        ("Reliable deterioration", summary.reliable_deterioration),
    ]
    if response:
        rows.append(("Response", summary.response))
    if remission:
        rows.append(("Remission", summary.remission))
    rows.append(("Completed the program", summary.completed))
    return [svg.Bar(label, rate.percent, rate.text) for label, rate in rows]


def group_rows(summaries: dict[str, Summary]) -> list[dict]:
    """One plain row per group for the by-track and by-clinician tables.

    The template reads a dict's keys on its fast path, where each dotted step into a Summary or a Rate is a
    slow one: at size M the two tables hold ~35 rows of nine cells. Counts stay numbers, so the template
    formats them as before."""
    return [
        {
            "label": label,
            "episodes": s.episodes,
            "with_follow_up": s.with_follow_up,
            "mean_change": s.mean_change_text,
            "reliable_improvement": s.reliable_improvement.text,
            "reliable_deterioration": s.reliable_deterioration.text,
            "response": s.response.text,
            "remission": s.remission.text,
            "completed": s.completed.text,
        }
        for label, s in summaries.items()
    ]


@policy("measures.view_outcomes")
@require_GET
def outcomes_index(request):
    form = _filters(request)
    context = {"form": form, "has_programs": bool(form.programs)}
    if form.programs and form.is_valid():
        view, instrument, report = _report(request, form)
        audit_record(
            action=Action.LIST,
            request=request,
            object_type="measures.outcomes",
            detail=_audit_detail(view, report),
        )
        overall = report.overall
        bars = rate_bars(overall, response=report.has_response_rule, remission=report.has_remission_rule)
        context.update(
            view=view,
            instrument=instrument,
            report=report,
            caseload=view.scope == SCOPE_CASELOAD,
            chart=mark_safe(  # noqa: S308 - every text escaped in svg.py
                svg.bar_chart(
                    chart_id="outcome-rates",
                    title=f"{report.instrument_code} outcomes, {report.start} to {report.end}",
                    description="; ".join(f"{bar.label}: {bar.text}" for bar in bars) + ".",
                    bars=bars,
                )
            ),
            groups=[
                ("track", "By track", group_rows(report.by_track)),
                ("clinician", "By primary clinician", group_rows(report.by_clinician)),
            ],
            export_query=request.GET.urlencode() if request.GET else _query(form),
        )
    return render(request, "measures/outcomes.html", context)


def _query(form) -> str:
    data = form.cleaned_data
    return urlencode(
        {
            "program": str(data["program"].uuid),
            "instrument": data["instrument"],
            "from": data["from"],
            "to": data["to"],
        }
    )


CSV_HEADER = (
    "program",
    "instrument",
    "from",
    "to",
    "scope",
    "group_type",
    "group",
    "episodes_in_treatment",
    "with_baseline",
    "with_baseline_and_follow_up",
    "mean_change_points",
    "sd_change_points",
    "reliable_improvement",
    "no_reliable_change",
    "reliable_deterioration",
    "reliable_change_denominator",
    "response",
    "response_denominator",
    "remission",
    "remission_denominator",
    "discharged",
    "completed",
    "discharge_reason_not_recorded",
)


def csv_rows(view, report: OutcomeReport):
    """One row overall, one per track and one per primary clinician (when the user may see those)."""
    groups = [("overall", "All", report.overall)]
    groups += [("track", label, s) for label, s in report.by_track.items()]
    groups += [("clinician", label, s) for label, s in report.by_clinician.items()]
    for group_type, label, s in groups:
        mean = "" if s.mean_change is None else f"{s.mean_change:.2f}"
        sd = "" if s.sd_change is None else f"{s.sd_change:.2f}"
        # Names are text someone typed (a track, a program): neutralised. Figures are ours and stay numbers
        # (a leading minus is a change, not a formula).
        yield [
            *(neutralise_formula(text) for text in (view.program.name, report.instrument_code)),
            report.start.isoformat(),
            report.end.isoformat(),
            view.scope,
            group_type,
            neutralise_formula(label),
            s.episodes,
            s.with_baseline,
            s.with_follow_up,
            mean,
            sd,
            s.reliable_improvement.count,
            s.no_reliable_change.count,
            s.reliable_deterioration.count,
            s.reliable_improvement.of,
            s.response.count,
            s.response.of,
            s.remission.count,
            s.remission.of,
            s.discharged,
            s.completed.count,
            s.reason_not_recorded,
        ]


@policy("measures.export_any_outcomes")
@require_GET
@never_cache
def outcomes_export(request):
    form = _filters(request)
    if not form.programs or not request.GET or not form.is_valid():
        return redirect(f"{reverse('measures:outcomes_index')}?{request.GET.urlencode()}")
    view, _instrument, report = _report(request, form)
    if not view.may_export:
        refuse(request, permission="measures.export_outcomes", obj=view.program)
    audit_record(
        action=Action.EXPORT,
        request=request,
        object_type="measures.outcomes",
        detail=_audit_detail(view, report),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(view, report))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"outcomes-{view.program.short_name}-{report.instrument_code}-{report.start}-{report.end}.csv"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response
