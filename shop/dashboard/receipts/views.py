"""The receipts a back-office user may read, searched by number, order or family, filtered by
régie, and each one's PDF: what a régisseur gives a family asking for a copy. H3's régie
screens link here (`receipts-dashboard:receipt-pdf`, `receipts-dashboard:receipt-list?regie=`)."""

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import generic

from shop.receipts import pdf_response, receipt_of
from shop.selectors.receipts import receipts_for_staff
from wallet.models import Regie


class ReceiptListView(generic.ListView):
    template_name = "shop/dashboard/receipts/receipt_list.html"
    extra_context = {"page_title": _("Quittances")}
    context_object_name = "receipts"
    paginate_by = settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE

    def get_queryset(self):
        receipts = receipts_for_staff(self.request.user)
        self.regies = list(
            Regie.objects.filter(pk__in=receipts.values("regie_id")).order_by("name", "pk")
        )
        self.regie = _int_or_none(self.request.GET.get("regie"))
        if self.regie is not None:
            receipts = receipts.filter(regie_id=self.regie)
        self.search = self.request.GET.get("q", "").strip()[:100]
        for word in self.search.split():
            receipts = receipts.filter(
                Q(number__icontains=word)
                | Q(order_number__icontains=word)
                | Q(owner__last_name__icontains=word)
                | Q(owner__first_name__icontains=word)
                | Q(owner__email__icontains=word)
            )
        return receipts

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            regies=self.regies, regie=self.regie, search=self.search, **kwargs
        )


class ReceiptPdfView(generic.View):
    """One receipt's PDF; a receipt outside the user's régies is a 404."""

    http_method_names = ["get", "head"]

    def get(self, request, pk):
        share = get_object_or_404(receipts_for_staff(request.user), pk=pk)
        return pdf_response(receipt_of(share))


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None
