"""PDF rendering: a real PDF comes out, and the document cannot make the server fetch anything."""

import pytest
from django.template import engines

from openiop.core import pdf


def test_a_template_becomes_a_pdf_download_that_no_cache_keeps(tmp_path, settings):
    (tmp_path / "doc.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}<h1>Plan of {{ name }}</h1>{% endblock %}'
    )
    settings.TEMPLATES = [dict(settings.TEMPLATES[0], DIRS=[tmp_path, *settings.TEMPLATES[0]["DIRS"]])]
    engines._engines = {}
    try:
        document = pdf.render_pdf("doc.html", {"name": "Synthetic Avery"})
    finally:
        engines._engines = {}
    assert document.startswith(b"%PDF-")
    response = pdf.pdf_response(document, "Safety plan, OI1234.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="safety-plan-oi1234.pdf"'
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "https://example.org/x.css"]
)
def test_nothing_outside_the_document_is_fetched(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.data_only_fetcher().fetch(url)
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    fetched = []

    class Recording(pdf.URLFetcher):
        def fetch(self, url, headers=None):
            fetched.append(url)
            return super().fetch(url, headers)

    document = pdf.HTML(
        string=f'<link rel="stylesheet" href="{url}"><img src="{url}"><img src="{pixel}"><p>x</p>',
        url_fetcher=Recording(allowed_protocols={"data"}),
        base_url="about:blank",
    ).write_pdf()
    assert document.startswith(b"%PDF-") and fetched == [url, url, pixel]  # asked, refused, rendered
