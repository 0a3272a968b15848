from django.core.paginator import Paginator
from django.db.models import Max
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openiop.accounts.models import Role
from openiop.core.access import policy

from .export import csv_lines
from .models import Action, AuditEvent
from .selectors import audit_report, detail_text, utc_iso
from .services import audit_record

PAGE_SIZE = 50
DETAIL_LIMIT = 80
# (label, sort field or None): the report's columns in order.
COLUMNS = (
    (_("Time (UTC)"), "occurred_at"),
    (_("User"), "actor_username"),
    (_("Role"), None),
    (_("Action"), "action"),
    (_("Outcome"), "outcome"),
    (_("Patient record"), "patient_record_number"),
    (_("Object type"), None),
    (_("Object id"), None),
    (_("Request id"), None),
    (_("Detail"), None),
)
ROLE_LABELS = dict(Role.choices)


@policy("audit.view_report")
@require_GET
@never_cache
def report(request):
    report = audit_report(request.GET)
    page_obj = Paginator(report.events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Read the page before recording this view, so the page never lists its own event.
    rows = [
        (
            event,
            utc_iso(event.occurred_at),
            ROLE_LABELS.get(event.actor_role, event.actor_role),
            detail_text(event.detail, limit=DETAIL_LIMIT),
        )
        for event in page_obj.object_list
    ]
    audit_record(
        action=Action.LIST,
        request=request,
        object_type="audit.auditevent",
        detail={"filters": report.filters, "sort": report.sort, "page": page_obj.number, "shown": len(rows)},
    )
    context = {
        "form": report.form,
        "rows": rows,
        "page_obj": page_obj,
        "headers": _headers(request, report.sort),
        "sort": report.sort,
        "query_string": _query_without(request, "page"),
    }
    return render(request, "audit/report.html", context)


@policy("audit.export_report")
@require_GET
@never_cache
def export(request):
    report = audit_report(request.GET)
    if not report.form.is_valid():
        return redirect(f"{reverse('audit:report')}?{_query_without(request, 'page')}")
    # Events are append-only: fixing the newest seq now makes the count, the audit detail and the file agree,
    # and keeps this export's own event (and any written while streaming) out of the file.
    newest = AuditEvent.objects.aggregate(newest=Max("seq"))["newest"] or 0
    events = report.events.filter(seq__lte=newest)
    count = events.count()
    audit_record(
        action=Action.EXPORT,
        request=request,
        object_type="audit.auditevent",
        detail={"filters": report.filters, "sort": report.sort, "rows": count},
    )
    response = StreamingHttpResponse(csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-report.csv"'
    return response


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _headers(request, sort: str) -> list[dict]:
    """Column headers; sortable ones link to their sort, toggling direction on the current column."""
    query = request.GET.copy()
    query.pop("page", None)
    headers = []
    for label, field in COLUMNS:
        header = {"label": label, "url": "", "aria_sort": ""}
        if field is not None:
            if sort == field:
                header["aria_sort"], next_sort = "ascending", f"-{field}"
            elif sort == f"-{field}":
                header["aria_sort"], next_sort = "descending", field
            else:
                next_sort = field
            query["sort"] = next_sort
            header["url"] = f"?{query.urlencode()}"
        headers.append(header)
    return headers
