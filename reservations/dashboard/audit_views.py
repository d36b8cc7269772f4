"""The "Journal des actions" page and its CSV export (reservations.dashboard.audit)."""

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from ..exports import SafeCSVWriter
from .audit import AuditFilterForm, audit_export, audit_page

PER_PAGE = 25

CSV_HEADER = [
    _("Date"),
    _("Action"),
    _("Par"),
    _("Rôle"),
    _("Famille"),
    _("E-mail de la famille"),
    _("Détail"),
]


class AuditView(generic.View):
    http_method_names = ["get"]

    def get(self, request):
        form = AuditFilterForm(request.GET or None, agent=request.user)
        try:
            number = int(request.GET.get("page", 1))
        except ValueError:
            number = 1
        page = audit_page(request.user, form.filters(), number=number, per_page=PER_PAGE)
        query = request.GET.copy()
        query.pop("page", None)
        return TemplateResponse(
            request,
            "reservations/dashboard/audit.html",
            {
                "page_title": _("Journal des actions"),
                "form": form,
                "page": page,
                "query": query.urlencode(),
            },
        )


class AuditExportView(generic.View):
    """The filtered journal as a CSV file for Excel (semicolons, byte-order mark; what families
    typed cannot become a formula)."""

    http_method_names = ["get"]

    def get(self, request):
        form = AuditFilterForm(request.GET or None, agent=request.user)
        events = audit_export(request.user, form.filters())
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="journal-{timezone.localdate():%Y-%m-%d}.csv"'
        )
        response.write("\ufeff")
        writer = SafeCSVWriter(response, delimiter=";")
        writer.writerow([str(title) for title in CSV_HEADER])
        for event in events:
            writer.writerow(
                [
                    timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M"),
                    str(event.kind_label),
                    str(event.actor) if event.actor else gettext("Système"),
                    str(event.role_label),
                    event.family.get_full_name() if event.family else "",
                    event.family.email if event.family else "",
                    event.what,
                ]
            )
        return response
