"""The billing screens of a régie (scoped by wallet.dashboard.regies.visible_regies: a régie,
an invoice or a debit outside the user's régies is a 404). Actions are POSTs that call
billing's services and come back with a message."""

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views import generic

from wallet.dashboard.regies import visible_regies

from .. import payments, pdf, runs, sepa
from ..exceptions import BillingError
from ..models import BillingRun, DebitBatch, DirectDebit, Invoice, InvoiceStatus, SepaMandate
from ..rules import BankDetailsError
from .exports import invoices_csv
from .forms import BatchForm, CounterPaymentForm, MandateForm, MonthForm, RejectForm, last_month


class RegieMixin:
    def get_regie(self):
        if not hasattr(self, "_regie"):
            self._regie = get_object_or_404(visible_regies(self.request.user), pk=self.kwargs["pk"])
        return self._regie

    def context(self, **kwargs):
        regie = self.get_regie()
        return {"regie": regie, **kwargs}


def scoped_invoices(user):
    return Invoice.objects.filter(regie__in=visible_regies(user)).select_related("regie", "owner")


class FirstRegieView(generic.View):
    def get(self, request):
        regie = visible_regies(request.user).order_by("name", "pk").first()
        if regie is None:
            raise Http404(gettext("Aucune régie ne vous est rattachée."))
        return redirect("billing-dashboard:billing-home", pk=regie.pk)


class BillingHomeView(RegieMixin, generic.TemplateView):
    template_name = "billing/dashboard/home.html"

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        return super().get_context_data(
            **self.context(
                page_title=gettext("Facturation — %(regie)s") % {"regie": regie.name},
                breadcrumb_label=gettext("Facturation"),
                form=MonthForm(initial={"month": f"{last_month():%Y-%m}"}),
                runs=BillingRun.objects.filter(regie=regie).annotate(
                    invoice_count=Count("invoices"), invoiced=Sum("invoices__total")
                ),
                post_paid=runs.post_paid_services_of(regie),
                regies=visible_regies(self.request.user).order_by("name", "pk"),
            ),
            **kwargs,
        )


class RunView(RegieMixin, generic.View):
    """POST month + action (preview or final)."""

    def post(self, request, pk):
        regie = self.get_regie()
        form = MonthForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["month"]))
            return redirect("billing-dashboard:billing-home", pk=regie.pk)
        month = form.cleaned_data["month"]
        final = request.POST.get("action") == "final"
        try:
            run = runs.run_billing(regie, month.year, month.month, final=final, by=request.user)
        except BillingError as error:
            messages.error(request, str(error))
            return redirect("billing-dashboard:billing-home", pk=regie.pk)
        count = len(run.written)
        if final:
            text = gettext(
                "%(count)s facture(s) émise(s) pour %(month)s ; le pointage est verrouillé."
            )
        else:
            text = gettext(
                "Aperçu : %(count)s facture(s) en brouillon pour %(month)s, non numérotées."
            )
        messages.success(request, text % {"count": count, "month": f"{month:%m/%Y}"})
        url = reverse("billing-dashboard:billing-invoice-list", kwargs={"pk": regie.pk})
        return redirect(f"{url}?mois={month:%Y-%m}")


class InvoiceListView(RegieMixin, generic.TemplateView):
    template_name = "billing/dashboard/invoice_list.html"

    def get(self, request, *args, **kwargs):
        if kwargs.get("export"):
            invoices = self.filtered().order_by("-period", "number", "pk")
            return invoices_csv(self.get_regie(), invoices)
        return super().get(request, *args, **kwargs)

    def filtered(self):
        invoices = Invoice.objects.filter(regie=self.get_regie()).select_related("owner")
        month = self.request.GET.get("mois", "")
        if month:
            form = MonthForm({"month": month})
            if form.is_valid():
                invoices = invoices.filter(period=form.cleaned_data["month"])
        status = self.request.GET.get("etat", "")
        if status in InvoiceStatus.values:
            invoices = invoices.filter(status=status)
        return invoices

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        invoices = self.filtered()
        month = self.request.GET.get("mois", "")
        status = self.request.GET.get("etat", "")
        return super().get_context_data(
            **self.context(
                page_title=gettext("Factures — %(regie)s") % {"regie": regie.name},
                breadcrumb_label=gettext("Factures"),
                invoices=invoices.order_by("-period", "number", "pk")[:500],
                month=month,
                status=status,
                statuses=InvoiceStatus.choices,
            ),
            **kwargs,
        )


class InvoiceDetailView(generic.TemplateView):
    template_name = "billing/dashboard/invoice_detail.html"

    def get_context_data(self, **kwargs):
        invoice = get_object_or_404(scoped_invoices(self.request.user), pk=self.kwargs["pk"])
        return super().get_context_data(
            invoice=invoice,
            regie=invoice.regie,
            lines=invoice.lines.select_related("beneficiary", "service").order_by("date", "pk"),
            payments=invoice.payments.select_related("recorded_by").order_by("created_at"),
            counter_form=CounterPaymentForm(initial={"amount": invoice.balance_due}),
            page_title=str(invoice),
            **kwargs,
        )


class InvoicePdfView(generic.View):
    def get(self, request, pk):
        invoice = get_object_or_404(
            scoped_invoices(request.user).exclude(status=InvoiceStatus.DRAFT), pk=pk
        )
        return pdf.pdf_response(invoice)


class CounterPaymentView(generic.View):
    def post(self, request, pk):
        invoice = get_object_or_404(scoped_invoices(request.user), pk=pk)
        form = CounterPaymentForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("billing-dashboard:billing-invoice-detail", pk=invoice.pk)
        try:
            payments.record_counter_payment(
                invoice.pk,
                method=form.cleaned_data["method"],
                amount=form.cleaned_data["amount"],
                agent=request.user,
                reference=form.cleaned_data["reference"],
            )
        except BillingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Paiement au guichet enregistré."))
        return redirect("billing-dashboard:billing-invoice-detail", pk=invoice.pk)


class MandateListView(RegieMixin, generic.TemplateView):
    template_name = "billing/dashboard/mandate_list.html"

    def families(self):
        """The families this régie invoiced: those a mandate may be typed in for."""
        from django.contrib.auth import get_user_model

        return (
            get_user_model()
            .objects.filter(invoices__regie=self.get_regie())
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )

    def post(self, request, pk):
        regie = self.get_regie()
        form = MandateForm(request.POST, families=self.families())
        if form.is_valid():
            data = form.cleaned_data
            try:
                sepa.sign_mandate(
                    data["owner"],
                    regie,
                    holder=data["holder"],
                    iban=data["iban"],
                    bic=data["bic"],
                    signed_on=data["signed_on"],
                )
            except BankDetailsError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, gettext("Mandat enregistré."))
                return redirect("billing-dashboard:billing-mandate-list", pk=regie.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        form = kwargs.pop("form", None) or MandateForm(families=self.families())
        return super().get_context_data(
            **self.context(
                form=form,
                page_title=gettext("Mandats de prélèvement — %(regie)s") % {"regie": regie.name},
                breadcrumb_label=gettext("Mandats"),
                mandates=SepaMandate.objects.filter(regie=regie, revoked_at__isnull=True)
                .select_related("owner")
                .order_by("owner__last_name", "pk"),
            ),
            **kwargs,
        )


class BatchListView(RegieMixin, generic.TemplateView):
    template_name = "billing/dashboard/batch_list.html"

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        return super().get_context_data(
            **self.context(
                page_title=gettext("Prélèvements SEPA — %(regie)s") % {"regie": regie.name},
                breadcrumb_label=gettext("Prélèvements"),
                form=kwargs.pop("form", None) or BatchForm(),
                reject_form=RejectForm(),
                batches=DebitBatch.objects.filter(regie=regie).prefetch_related(
                    "debits__invoice__owner", "debits__mandate"
                ),
            ),
            **kwargs,
        )

    def post(self, request, pk):
        regie = self.get_regie()
        form = BatchForm(request.POST)
        if form.is_valid():
            try:
                batch = sepa.make_debit_batch(
                    regie, collection_date=form.cleaned_data["collection_date"], by=request.user
                )
            except BillingError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    gettext("Fichier de prélèvements prêt : %(count)s prélèvement(s).")
                    % {"count": batch.count},
                )
                return redirect("billing-dashboard:billing-batch-list", pk=regie.pk)
        return self.render_to_response(self.get_context_data(form=form))


class BatchXmlView(generic.View):
    def get(self, request, pk):
        batch = get_object_or_404(
            DebitBatch.objects.filter(regie__in=visible_regies(request.user)), pk=pk
        )
        response = HttpResponse(batch.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"prelevements-{batch.regie.code}-{batch.pk}.xml"
        )
        response["Cache-Control"] = "private, no-store"
        return response


class DebitRejectView(generic.View):
    def post(self, request, pk):
        debit = get_object_or_404(
            DirectDebit.objects.filter(batch__regie__in=visible_regies(request.user)), pk=pk
        )
        form = RejectForm(request.POST)
        if form.is_valid():
            sepa.record_reject(debit.pk, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(
                request,
                gettext("Rejet enregistré : la facture %(number)s est de nouveau à payer.")
                % {"number": debit.invoice.number},
            )
        return redirect("billing-dashboard:billing-batch-list", pk=debit.batch.regie_id)
