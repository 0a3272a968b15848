"""The pocket PDF of a plan: one half-letter page (5.5 x 8.5 in, folds in two to fit a pocket or wallet),
crisis lines first in large type.

A plan must stay on one page to be useful in a pocket, so the document is laid out at the largest type
size that fits on one page (WeasyPrint lays it out, we count the pages); only a plan too long even at
the smallest size runs onto a second page. Nothing is fetched while rendering (core.pdf's fetcher).
"""

from django.template.loader import render_to_string
from weasyprint import HTML

from openiop.core.pdf import data_only_fetcher

# Body type sizes tried in turn, in points; crisis lines stay larger than the body at every size.
TYPE_SIZES = (9.5, 8.5, 7.5, 6.5)


def layout(template: str, context: dict, *, request=None, size: float):
    html = render_to_string(template, {**context, "type_size": size}, request=request)
    return HTML(string=html, url_fetcher=data_only_fetcher(), base_url="about:blank").render()


def render_pocket_pdf(template: str, context: dict, *, request=None) -> tuple[bytes, int]:
    """(PDF bytes, number of pages), at the largest type size that fits one page."""
    for size in TYPE_SIZES:
        document = layout(template, context, request=request, size=size)
        if len(document.pages) == 1:
            break
    return document.write_pdf(), len(document.pages)
