"""The PDF of an invoice, rendered by weasyprint from billing/invoice.html, as the receipts are
(shop/receipts.py, which this layer may not import): its fetcher refuses every URL but
inline `data:` ones."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header

TEMPLATE = "billing/invoice.html"


def render_html(invoice, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return render_to_string(TEMPLATE, {"invoice": invoice, "lines": invoice.lines.all()})


def render_pdf(invoice) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=render_html(invoice), base_url=None, url_fetcher=_local_only_fetcher()
    ).write_pdf()


def pdf_response(invoice) -> HttpResponse:
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{invoice.number}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _local_only_fetcher():
    """Refuses every URL but inline `data:` ones: an invoice fetches nothing (a name typed by
    a family can never make the server call out)."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise ValueError(f"An invoice fetches no resource: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()
