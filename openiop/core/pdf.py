"""PDF documents (WeasyPrint) from Django templates, for notes, plans and safety plans.

WeasyPrint fetches every URL a document names (images, stylesheets). A document holds patient data and
may hold text a user typed, so nothing is fetched from anywhere: only `data:` URIs load, styles are
inline in the template (`pdf/base.html`). Callers audit the export or print themselves.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def data_only_fetcher() -> URLFetcher:
    """WeasyPrint's fetcher restricted to `data:` URIs (one per document: it is not thread-safe)."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, url_fetcher=data_only_fetcher(), base_url="about:blank").write_pdf()


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A download that no cache keeps (it holds PHI)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(filename.removesuffix(".pdf")) or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
