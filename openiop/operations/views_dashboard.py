"""The program director's dashboard (PRODUCT.md §8): filters, figures with charts and tables, the people
behind each figure, CSV exports of every table and of each people list, and the monthly report as PDF.

Access: the gate `operations.view_dashboard`, then the program's own rule (`operations.view_program`, or
`operations.export_program` for downloads) through `program_for_dashboard`, which records a refusal. Names
of patients are shown (and exported) only to those who may open the patient's chart.
"""

import csv
import io
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openiop.audit.export import neutralise_formula
from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy
from openiop.core.pdf import pdf_response, render_pdf
from openiop.measures import svg
from openiop.programs.models import Track

from . import figures
from .forms_dashboard import DashboardFilterForm, MonthForm
from .selectors_dashboard import dashboard_programs, load_dashboard, program_for_dashboard


def _form(request) -> DashboardFilterForm:
    programs = list(dashboard_programs(request.user))
    tracks = (
        Track.objects.filter(program__in=programs).select_related("program").order_by("program__name", "name")
    )
    return DashboardFilterForm(
        request.GET or None, programs=programs, tracks=tracks, today=timezone.localdate()
    )


def _load(request, form, *, permission="operations.view_program", with_outcomes=True):
    data = form.cleaned_data
    program = program_for_dashboard(request, data["program"].uuid, permission=permission)
    loaded = load_dashboard(
        program=program,
        track=data["track"],
        start=data["from"],
        end=data["to"],
        today=timezone.localdate(),
        with_outcomes=with_outcomes,
    )
    return program, loaded


def _query(form, **extra) -> str:
    data = form.cleaned_data
    return urlencode(
        {
            "program": str(data["program"].uuid),
            "track": str(data["track"].uuid) if data["track"] else "",
            "from": data["from"].isoformat(),
            "to": data["to"].isoformat(),
            **extra,
        }
    )


def _audit_detail(form, **extra) -> dict:
    data = form.cleaned_data
    return {
        "program": str(data["program"].uuid),
        "track": str(data["track"].uuid) if data["track"] else "",
        "from": data["from"].isoformat(),
        "to": data["to"].isoformat(),
        **extra,
    }


def _share_bars(items: list[figures.Figure], total: int) -> list[svg.Bar]:
    bars = []
    for item in items:
        percent = None if not total else 100 * item.value / total
        shown = "—" if percent is None else f"{percent:.0f}%"
        bars.append(svg.Bar(item.label, percent, f"{item.value} ({shown})"))
    return bars


def _bar_chart(chart_id: str, title: str, bars: list[svg.Bar]) -> str:
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + "." if bars else "No data."
    return mark_safe(  # noqa: S308 - every text escaped in svg.py
        svg.bar_chart(chart_id=chart_id, title=title, description=description, bars=bars)
    )


def charts(board: figures.Dashboard) -> dict[str, str]:
    f = board.figures
    result = {}
    if board.series:
        top = max(p.census for p in board.series)
        description = (
            f"Census from {board.series[0].on} ({board.series[0].census}) to {board.series[-1].on} "
            f"({board.series[-1].census}); highest {top}. Every point is in the table beside the chart."
        )
        result["census"] = mark_safe(  # noqa: S308 - every text escaped in svg.py
            svg.line_chart(
                chart_id="census-chart",
                title=f"Census, {board.start} to {board.end}",
                description=description,
                points=[svg.ChartPoint(p.on, p.census, str(p.census)) for p in board.series],
                y_min=0,
                y_max=max(top, 1),
            )
        )
    if board.admissions_by_source:
        result["admissions"] = _bar_chart(
            "admissions-chart",
            "Admissions by referral source, share of all admissions",
            _share_bars(board.admissions_by_source, f["admissions"].value),
        )
    if board.discharges_by_reason:
        result["discharges"] = _bar_chart(
            "discharges-chart",
            "Discharges by reason, share of all discharges",
            _share_bars(board.discharges_by_reason, f["discharges"].value),
        )
    rates = [f["attendance"], f["hours_met"], f["step_up"], f["step_down"]]
    result["rates"] = _bar_chart(
        "rates-chart",
        "Attendance, hours at or above target, step-up and step-down rates",
        [svg.Bar(x.label, x.percent, x.text) for x in rates],
    )
    if board.caseloads:
        result["caseloads"] = _bar_chart(
            "caseloads-chart",
            "Staff caseloads, share of the census",
            _share_bars([x for _m, _r, x in board.caseloads], f["census"].value),
        )
    return result


def _sections(board: figures.Dashboard) -> list[tuple[figures.Table, str | None]]:
    drawn = charts(board)
    return [(table, drawn.get(key)) for key, table in figures.tables(board).items()]


@policy("operations.view_dashboard")
@require_GET
def dashboard(request):
    form = _form(request)
    context = {"form": form, "has_programs": bool(form.programs)}
    if form.programs and form.is_valid():
        program, loaded = _load(request, form)
        audit_record(
            action=Action.VIEW,
            request=request,
            obj=program,
            detail=_audit_detail(form, page="dashboard"),
        )
        board = loaded.board
        month_form = MonthForm(
            {"program": str(program.uuid)}, programs=form.programs.values(), today=form.today
        )
        month_form.is_valid()
        context.update(
            program=program,
            track=form.cleaned_data["track"],
            board=board,
            figures=board.figures,
            sections=_sections(board),
            outcomes=loaded.outcomes,
            query=_query(form),
            outcomes_query=urlencode(
                {
                    "program": str(program.uuid),
                    "instrument": "PHQ-9",
                    "from": board.start.isoformat(),
                    "to": board.end.isoformat(),
                }
            ),
            month_form=month_form,
            may_export=request.user.has_perm("operations.export_program", program),
        )
    return render(request, "operations/dashboard.html", context)


def _valid_form_or_redirect(request):
    form = _form(request)
    if not form.programs or not form.is_valid():
        return form, redirect(f"{reverse('operations:dashboard')}?{request.GET.urlencode()}")
    return form, None


def people_rows(request, loaded, figure_id: str):
    """The people behind a figure, in record-number order. The name (and the link to the chart) only for
    those who may open that patient's chart; the chart itself keeps its own rules and audit."""
    figure = loaded.board.figures.get(figure_id)
    if figure is None:
        raise Http404("No such figure.")
    base = figure_id.split(":", 1)[0]
    details = loaded.board.details.get(base, {})
    rows = []
    for episode_id in figure.episode_ids:
        episode = loaded.episodes[episode_id]
        patient = episode.patient
        may_open = request.user.has_perm("patients.view_chart", patient)
        rows.append(
            {
                "record_number": patient.record_number,
                "name": patient.display_name if may_open else "",
                "chart_url": reverse("patients:chart", args=[patient.uuid]) if may_open else "",
                "track": episode.track.name if episode.track else "",
                "admitted_on": episode.admitted_on,
                "discharged_on": episode.discharged_on,
                "detail": details.get(episode_id, ""),
            }
        )
    rows.sort(key=lambda row: row["record_number"])
    return figure, rows


@policy("operations.view_dashboard")
@require_GET
def people(request):
    figure_id = request.GET.get("figure", "")
    if not figure_id:
        return redirect(reverse("operations:dashboard"))
    form, back = _valid_form_or_redirect(request)
    if back:
        return back
    program, loaded = _load(request, form, with_outcomes=False)
    figure, rows = people_rows(request, loaded, figure_id)
    audit_record(
        action=Action.LIST,
        request=request,
        obj=program,
        detail=_audit_detail(form, page="people", figure=figure_id, people=len(rows)),
    )
    return render(
        request,
        "operations/people.html",
        {
            "program": program,
            "track": form.cleaned_data["track"],
            "figure": figure,
            "rows": rows,
            "query": _query(form),
            "figure_query": _query(form, figure=figure_id),
            "period": (form.cleaned_data["from"], form.cleaned_data["to"]),
            "may_export": request.user.has_perm("operations.export_program", program),
        },
    )


def _csv_response(header, rows, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


@policy("operations.view_dashboard")
@require_GET
@never_cache
def export_table(request, table: str):
    form, back = _valid_form_or_redirect(request)
    if back:
        return back
    program, loaded = _load(request, form, permission="operations.export_program", with_outcomes=False)
    found = figures.tables(loaded.board).get(table)
    if found is None:
        raise Http404("No such table.")
    audit_record(
        action=Action.EXPORT,
        request=request,
        obj=program,
        detail=_audit_detail(form, table=table),
    )
    data = form.cleaned_data
    rows = [[neutralise_formula(cell) for cell in row.cells] for row in found.rows]
    return _csv_response(found.header, rows, f"{table}-{program.short_name}-{data['from']}-{data['to']}.csv")


@policy("operations.view_dashboard")
@require_GET
@never_cache
def export_people(request):
    figure_id = request.GET.get("figure", "")
    if not figure_id:
        return redirect(reverse("operations:dashboard"))
    form, back = _valid_form_or_redirect(request)
    if back:
        return back
    program, loaded = _load(request, form, permission="operations.export_program", with_outcomes=False)
    figure, rows = people_rows(request, loaded, figure_id)
    audit_record(
        action=Action.EXPORT,
        request=request,
        obj=program,
        detail=_audit_detail(form, table="people", figure=figure_id, people=len(rows)),
    )
    header = ("record_number", "name", "track", "admitted_on", "discharged_on", "detail")
    lines = [
        [
            neutralise_formula(row["record_number"]),
            neutralise_formula(row["name"]),
            neutralise_formula(row["track"]),
            row["admitted_on"].isoformat() if row["admitted_on"] else "",
            row["discharged_on"].isoformat() if row["discharged_on"] else "",
            neutralise_formula(row["detail"]),
        ]
        for row in rows
    ]
    data = form.cleaned_data
    return _csv_response(
        header, lines, f"people-{figure_id}-{program.short_name}-{data['from']}-{data['to']}.csv"
    )


@policy("operations.view_dashboard")
@require_GET
@never_cache
def monthly_report(request):
    programs = list(dashboard_programs(request.user))
    form = MonthForm(request.GET or None, programs=programs, today=timezone.localdate())
    if not programs or not form.is_valid() or form.cleaned_data["program"] is None:
        return redirect(reverse("operations:dashboard"))
    start, end = form.period
    program = program_for_dashboard(
        request, form.cleaned_data["program"].uuid, permission="operations.export_program"
    )
    loaded = load_dashboard(program=program, track=None, start=start, end=end, today=timezone.localdate())
    audit_record(
        action=Action.PRINT,
        request=request,
        obj=program,
        detail={"program": str(program.uuid), "month": f"{start:%Y-%m}", "page": "monthly_report"},
    )
    pdf = render_pdf(
        "operations/report_pdf.html",
        {
            "program": program,
            "board": loaded.board,
            "figures": loaded.board.figures,
            "tables": list(figures.tables(loaded.board).values()),
            "outcomes": loaded.outcomes,
            "month": start,
        },
        request=request,
    )
    return pdf_response(pdf, f"program-report-{program.short_name}-{start:%Y-%m}.pdf")
