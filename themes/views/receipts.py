"""Mes quittances: the PDF receipt of a paid régie share, for the parent who paid it. Another
family's share, or a share not yet paid, is a 404."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_GET

from shop.receipts import pdf_response, receipt_of
from shop.selectors.receipts import receipts_of_parent

from ..access import parent_required


@require_GET
@parent_required
def receipt_pdf(request, pk):
    share = get_object_or_404(receipts_of_parent(request.user), pk=pk)
    return pdf_response(receipt_of(share))


urlpatterns = [
    path("espace/quittances/<int:pk>.pdf", receipt_pdf, name="receipt"),
]
