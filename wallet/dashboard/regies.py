"""The régies in the dashboard: their list and detail, the régisseur's daily journal and period
reconciliation (with their CSV), the inter-régie statement, and the administrator's forms for
régies and payment backend accounts.

Who sees what: an administrator (superuser) every régie, and only they create or edit régies and
backend accounts; a régisseur the régies listing them (`Regie.regisseurs`), read-only; an agent
the régies of their communes (accounts.selectors.communes_of), read-only. A régie outside
someone's scope is a 404. Anyone else has no access.

How a régisseur gets in: Oscar lets into a dashboard screen only who passes its permissions
(staff, or "partner.dashboard_access" for agents). A régisseur is given the model permission
"wallet.view_regie" when listed by a régie, and loses it when no régie lists them any more
(`sync_regisseur_permission`, on Regie.regisseurs changes). These screens ask staff, agents'
dashboard access or that permission; nothing else in the dashboard asks it, so a régisseur who
is only that reaches these screens and no other (not even Oscar's index: the régisseurs' login,
`RegisseurLoginView`, lands them on their régies). Which régie they see is then decided by
membership, in every view (`visible_regies`): the permission opens the door, the list decides."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views import generic
from oscar.apps.dashboard.views import LoginView
from oscar.views.decorators import check_permissions

from accounts.selectors import communes_of

from ..journal import Period, inter_regie_statement, journal, reconcile
from ..models import PaymentBackendAccount, Regie
from .regie_exports import journal_csv, reconciliation_csv, statement_csv
from .regie_forms import BackendAccountForm, DayForm, PeriodForm, RegieForm

REGIE_PERMISSION = "wallet.view_regie"


# --- Scope -----------------------------------------------------------------------------------


def visible_regies(user):
    """The régies `user` may read: all for an administrator, else theirs and their communes'."""
    regies = Regie.objects.select_related("backend", "commune", "site")
    if user.is_superuser:
        return regies
    return regies.filter(Q(regisseurs=user) | Q(commune__in=communes_of(user))).distinct()


def sync_regisseur_permission(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed on Regie.regisseurs: give "wallet.view_regie" to who became régisseur, take
    it from who is régisseur of no régie any more."""
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if action == "pre_clear":
        # The cleared users are known only before: remember them on the instance.
        instance._cleared_regisseurs = (
            {instance.pk} if reverse else set(instance.regisseurs.values_list("pk", flat=True))
        )
        return
    permission = _regie_permission()
    if permission is None:
        return
    if reverse:  # user.regies.add(...): the instance is the user
        user_ids = {instance.pk}
    elif action == "post_clear":
        user_ids = getattr(instance, "_cleared_regisseurs", set())
    else:
        user_ids = set(pk_set or ())
    for user in User.objects.filter(pk__in=user_ids):
        if user.regies.exists():
            user.user_permissions.add(permission)
        else:
            user.user_permissions.remove(permission)


def _regie_permission():
    return Permission.objects.filter(
        content_type__app_label="wallet", codename="view_regie"
    ).first()


class RegieScopeMixin:
    """The régie of the URL among those the user may read (404 otherwise)."""

    def get_regie(self) -> Regie:
        if not hasattr(self, "_regie"):
            self._regie = get_object_or_404(visible_regies(self.request.user), pk=self.kwargs["pk"])
        return self._regie


def can_manage(user) -> bool:
    return user.is_superuser


# --- Login -----------------------------------------------------------------------------------


class RegisseurLoginView(LoginView):
    """The dashboard's login, landing on the régies for whom Oscar's index is closed."""

    def get_success_url(self):
        url = self.get_redirect_url()
        if url:
            return url
        user = self.request.user
        if check_permissions(user, (["is_staff"], ["partner.dashboard_access"])):
            return reverse("dashboard:index")
        regies = list(visible_regies(user)[:2])
        if len(regies) == 1:
            return reverse("wallet-dashboard:regie-journal", kwargs={"pk": regies[0].pk})
        return reverse("wallet-dashboard:regie-list")


# --- Régies ----------------------------------------------------------------------------------


class RegieListView(generic.ListView):
    template_name = "wallet/dashboard/regies/regie_list.html"
    context_object_name = "regies"
    extra_context = {"page_title": gettext_lazy("Régies")}

    def get_queryset(self):
        return visible_regies(self.request.user).prefetch_related("regisseurs")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_manage=can_manage(self.request.user), **kwargs)


class RegieDetailView(RegieScopeMixin, generic.TemplateView):
    template_name = "wallet/dashboard/regies/regie_detail.html"

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        return super().get_context_data(
            regie=regie,
            page_title=regie.name,
            regisseurs=regie.regisseurs.order_by("last_name", "first_name", "email"),
            services=[link.service for link in regie.service_links.select_related("service")],
            can_manage=can_manage(self.request.user),
            **kwargs,
        )


class RegieCreateView(generic.CreateView):
    template_name = "wallet/dashboard/regies/regie_form.html"
    form_class = RegieForm
    extra_context = {"page_title": gettext_lazy("Nouvelle régie")}

    def get_success_url(self):
        return reverse("wallet-dashboard:regie-detail", kwargs={"pk": self.object.pk})


class RegieUpdateView(generic.UpdateView):
    template_name = "wallet/dashboard/regies/regie_form.html"
    form_class = RegieForm
    queryset = Regie.objects.all()
    context_object_name = "regie"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=gettext("Modifier la régie %(name)s") % {"name": self.object.name},
            **kwargs,
        )

    def get_success_url(self):
        return reverse("wallet-dashboard:regie-detail", kwargs={"pk": self.object.pk})


# --- Backend accounts (administrator only) ---------------------------------------------------


class BackendListView(generic.ListView):
    template_name = "wallet/dashboard/regies/backend_list.html"
    context_object_name = "backends"
    queryset = PaymentBackendAccount.objects.prefetch_related("regies")
    extra_context = {"page_title": gettext_lazy("Comptes de paiement")}


class BackendCreateView(generic.CreateView):
    template_name = "wallet/dashboard/regies/backend_form.html"
    form_class = BackendAccountForm
    extra_context = {"page_title": gettext_lazy("Nouveau compte de paiement")}

    def get_success_url(self):
        return reverse("wallet-dashboard:regie-backend-list")


class BackendUpdateView(generic.UpdateView):
    template_name = "wallet/dashboard/regies/backend_form.html"
    form_class = BackendAccountForm
    queryset = PaymentBackendAccount.objects.all()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=gettext("Modifier le compte %(name)s") % {"name": self.object.name},
            **kwargs,
        )

    def get_success_url(self):
        return reverse("wallet-dashboard:regie-backend-list")


# --- Journal, reconciliation, statement ------------------------------------------------------


class FirstRegieRedirectView(generic.View):
    """The menu's "Journal" and "Rapprochement": the user's first régie's screen."""

    target = ""

    def get(self, request, *args, **kwargs):
        regie = visible_regies(request.user).order_by("name", "pk").first()
        if regie is None:
            raise Http404(gettext("Aucune régie ne vous est rattachée."))
        url = reverse(self.target, kwargs={"pk": regie.pk})
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)


class JournalView(RegieScopeMixin, generic.TemplateView):
    """The day's journal of a régie (today in Europe/Paris by default)."""

    template_name = "wallet/dashboard/regies/journal.html"

    def get_journal(self):
        self.form = DayForm(self.request.GET or None)
        self.day = self.form.day()
        return journal(self.get_regie(), Period.day(self.day))

    def get(self, request, *args, **kwargs):
        day_journal = self.get_journal()
        if self.kwargs.get("export"):
            return journal_csv(day_journal)
        return self.render_to_response(self.get_context_data(journal=day_journal))

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        return super().get_context_data(
            regie=regie,
            regies=visible_regies(self.request.user).order_by("name", "pk"),
            form=self.form,
            day=self.day,
            previous_day=self.day - timedelta(days=1),
            next_day=self.day + timedelta(days=1),
            query=f"date={self.day:%Y-%m-%d}",
            page_title=gettext("Journal du %(day)s — %(regie)s")
            % {"day": f"{self.day:%d/%m/%Y}", "regie": regie.name},
            **kwargs,
        )


class ReconciliationView(RegieScopeMixin, generic.TemplateView):
    template_name = "wallet/dashboard/regies/reconciliation.html"

    def get(self, request, *args, **kwargs):
        self.form = PeriodForm(request.GET or None)
        start, end = self.form.bounds()
        reconciliation = reconcile(self.get_regie(), Period(start, end))
        if self.kwargs.get("export"):
            return reconciliation_csv(reconciliation)
        return self.render_to_response(self.get_context_data(reconciliation=reconciliation))

    def get_context_data(self, **kwargs):
        regie = self.get_regie()
        period = kwargs["reconciliation"].period
        return super().get_context_data(
            regie=regie,
            regies=visible_regies(self.request.user).order_by("name", "pk"),
            form=self.form,
            query=self.request.GET.urlencode(),
            page_title=gettext("Rapprochement du %(start)s au %(end)s — %(regie)s")
            % {
                "start": f"{period.start:%d/%m/%Y}",
                "end": f"{period.end:%d/%m/%Y}",
                "regie": regie.name,
            },
            **kwargs,
        )


class StatementView(generic.TemplateView):
    """What each platform régie owes each services régie: all of it for an administrator,
    the lines of one's own régies for the others."""

    template_name = "wallet/dashboard/regies/statement.html"

    def get(self, request, *args, **kwargs):
        self.form = PeriodForm(request.GET or None)
        start, end = self.form.bounds()
        user = request.user
        scope = None if user.is_superuser else visible_regies(user).values_list("pk", flat=True)
        statement = inter_regie_statement(Period(start, end), scope)
        if self.kwargs.get("export"):
            return statement_csv(statement)
        return self.render_to_response(
            self.get_context_data(
                statement=statement,
                form=self.form,
                query=request.GET.urlencode(),
                page_title=gettext("Relevé inter-régies du %(start)s au %(end)s")
                % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"},
            )
        )
