"""The pocket PDF: a real PDF, one half-letter page for a realistic full plan, 988 on it, every
download audited as an export of that patient's plan."""

import pytest
from django.urls import reverse
from weasyprint.formatting_structure import boxes

from openiop.audit.models import Action, AuditEvent
from openiop.safety.models import PlanKind
from openiop.safety.pdf import TYPE_SIZES, layout, render_pocket_pdf
from openiop.safety.selectors import rendered

from .factories import draft_of, signed_plan

TEMPLATE = "safety/plan_pdf.html"
HALF_LETTER = (5.5 * 96, 8.5 * 96)  # CSS pixels


def _pages(plan):
    """The laid-out pages at the size the download uses, and the text on each."""
    context = {"shown": rendered(plan), "patient": plan.patient}
    for size in TYPE_SIZES:
        document = layout(TEMPLATE, context, size=size)
        if len(document.pages) == 1:
            break
    texts = [
        " ".join(box.text for box in page._page_box.descendants() if isinstance(box, boxes.TextBox))
        for page in document.pages
    ]
    return document, texts


@pytest.mark.parametrize("kind", [PlanKind.SAFETY, PlanKind.RELAPSE_PREVENTION])
def test_a_realistic_full_plan_fits_one_pocket_page_with_988_first(world, kind):
    plan = signed_plan(world.patient_a, world.alice, kind=kind)
    document, texts = _pages(plan)
    assert len(document.pages) == 1
    page = document.pages[0]
    assert (round(page.width), round(page.height)) == HALF_LETTER
    text = texts[0]
    assert text.index("988") < text.index("911") < text.index("1.")  # crisis lines before the steps
    assert "988 Suicide & Crisis Lifeline" in text
    assert "Avery Synthetic" in text and "version 1, signed" in text
    pdf, pages = render_pocket_pdf(TEMPLATE, {"shown": rendered(plan), "patient": plan.patient})
    assert pdf.startswith(b"%PDF-") and pages == 1


def test_a_full_plan_prints_at_the_largest_type_size_that_fits():
    assert list(TYPE_SIZES) == sorted(TYPE_SIZES, reverse=True)


def test_an_overlong_plan_still_prints_everything(world):
    long_line = "A long description of what happens when things get hard, written out in full " * 3
    content = {
        "warning_signs": [f"{i} {long_line}" for i in range(10)],
        "coping_strategies": [f"{i} {long_line}" for i in range(10)],
        "reasons_for_living": [f"{i} {long_line}" for i in range(8)],
    }
    plan = draft_of(world.patient_a, world.alice, content=content)
    pdf, pages = render_pocket_pdf(TEMPLATE, {"shown": rendered(plan), "patient": plan.patient})
    assert pdf.startswith(b"%PDF-") and pages >= 2
    _, texts = _pages(plan)
    assert "988" in texts[0] and "DRAFT, not signed" in texts[0]


def test_the_download_is_a_pdf_that_no_cache_keeps_and_is_audited(world, client_for):
    plan = signed_plan(world.patient_a, world.alice)
    client = client_for(world.dana)
    response = client.get(reverse("safety:plan_pdf", args=[plan.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="safety-plan-{world.patient_a.record_number.lower()}-v1-'
    )
    assert response.content.startswith(b"%PDF-")
    client.get(reverse("safety:plan_pdf", args=[plan.uuid]))
    exports = AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(plan.uuid))
    assert exports.count() == 2  # each download
    event = exports.first()
    assert (event.patient, event.actor, event.object_type) == (world.patient_a, world.dana, "safety.plan")
    assert event.detail == {"kind": "safety", "number": 1, "format": "pdf", "pages": 1}
