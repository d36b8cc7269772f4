"""The family pages of the parent's space: "Mes filiations" (the children, their photo) and
"Mes services" (the catalogue, the access requests and their documents).

Thin views: a Django form parses, the same use cases as the JSON API decide
(reservations/beneficiaries.py, reservations/access.py), and their refusals are shown on the
field they name. Every object is looked up within the signed-in account: another family's is a
404. An account awaiting validation may already use them, as the welcome e-mail says and the API
allows: booking and paying wait for the validation (parent_required on those pages)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from oscar.core.loading import get_model

from reservations import beneficiaries as beneficiary_cases
from reservations import catalogue
from reservations.access import replace_document, request_access, requirements_of
from reservations.models import AccessStatus
from reservations.models.access import ACTIVE_STATUSES
from reservations.selectors import accesses_of, beneficiaries_of

from ..access import signed_in_required
from ..forms.family import AccessRequestForm, BeneficiaryForm, DocumentUploadForm, add_refusals
from ..territory import site_commune_ids
from ..text import elide

Product = get_model("catalogue", "Product")

# Status → badge modifier of portail.css; the badge always says the status in words too.
STATUS_BADGES = {
    AccessStatus.PENDING: "warn",
    AccessStatus.DOCUMENT_REQUESTED: "warn",
    AccessStatus.ACCEPTED: "ok",
    AccessStatus.REFUSED: "error",
}


# --- Mes filiations ----------------------------------------------------------------------------


def _own_beneficiary(request, pk):
    """One of the account's current beneficiaries; anyone else's, or an archived one, is a 404."""
    return get_object_or_404(beneficiaries_of(request.user), pk=pk)


@signed_in_required
def beneficiary_list(request):
    everyone = list(beneficiaries_of(request.user, include_archived=True))
    return render(
        request,
        "themes/family/beneficiaries.html",
        {
            "beneficiaries": [b for b in everyone if not b.is_archived],
            "archived": [b for b in everyone if b.is_archived],
        },
    )


@signed_in_required
@require_http_methods(["GET", "POST"])
def beneficiary_add(request):
    form = BeneficiaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary = beneficiary_cases.create_beneficiary(
                account=request.user,
                photo=form.cleaned_data["photo"],
                **form.beneficiary_values(),
            )
        except ValidationError as error:
            add_refusals(form, error)
        else:
            messages.success(
                request,
                _("%(name)s a été ajouté(e) à vos filiations.") % {"name": beneficiary},
            )
            return redirect("portail:beneficiaries")
    return render(request, "themes/family/beneficiary_form.html", {"form": form})


@signed_in_required
@require_http_methods(["GET", "POST"])
def beneficiary_edit(request, pk):
    beneficiary = _own_beneficiary(request, pk)
    has_photo = bool(beneficiary.photo)
    if request.method == "POST":
        form = BeneficiaryForm(request.POST, request.FILES, has_photo=has_photo)
    else:
        initial = {name: getattr(beneficiary, name) for name in BeneficiaryForm.FIELDS}
        form = BeneficiaryForm(initial=initial, has_photo=has_photo)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_beneficiary(beneficiary, form)
        except ValidationError as error:
            add_refusals(form, error)
        else:
            messages.success(
                request,
                elide(_("Les informations de %(name)s sont enregistrées.") % {"name": saved}),
            )
            return redirect("portail:beneficiaries")
    return render(
        request,
        "themes/family/beneficiary_form.html",
        {"form": form, "beneficiary": beneficiary},
    )


def _save_beneficiary(beneficiary, form):
    """The fields, then the photo, as one change: a refused photo leaves the fields as they were.
    The photo goes last because its use case removes its own file if anything fails after it."""
    photo = form.cleaned_data["photo"]
    with transaction.atomic():
        saved = beneficiary_cases.update_beneficiary(beneficiary, **form.beneficiary_values())
        if photo is not None:
            beneficiary_cases.set_photo(saved, photo)
        elif form.cleaned_data.get("remove_photo"):
            beneficiary_cases.remove_photo(saved)
    return saved


@signed_in_required
@require_http_methods(["GET", "POST"])
def beneficiary_archive(request, pk):
    """Confirm, then archive (a beneficiary with history) or delete (one without), as the API."""
    beneficiary = _own_beneficiary(request, pk)
    if request.method == "POST":
        outcome = beneficiary_cases.remove_beneficiary(beneficiary)
        if outcome == beneficiary_cases.ARCHIVED:
            message = _("%(name)s a été archivé(e) : son historique reste consultable.")
        else:
            message = _("%(name)s a été retiré(e) de vos filiations.")
        messages.success(request, message % {"name": beneficiary})
        return redirect("portail:beneficiaries")
    return render(
        request,
        "themes/family/beneficiary_archive.html",
        {
            "beneficiary": beneficiary,
            "has_history": beneficiary_cases.has_history(beneficiary),
        },
    )


# --- Mes services ------------------------------------------------------------------------------


@signed_in_required
def services(request):
    """The account's requests, then the catalogue ("Ajouter un service") as GET /api/services/."""
    accesses = [_decorated(access) for access in accesses_of(request.user)]
    # Per option, the request that blocks asking again (being examined, or accepted).
    active = {}
    for access in accesses:
        if access.status in ACTIVE_STATUSES:
            active.setdefault(access.tariff_option_id, access)
    return render(
        request,
        "themes/family/services.html",
        {
            "accesses": accesses,
            "catalogue": _with_requests(
                _familiar_first(accesses, site_commune_ids(request)), active
            ),
        },
    )


def _familiar_first(accesses, site_communes=None):
    """The catalogue of the site's communes (`site_communes`: partner ids, None for all) with
    those the family has already asked first (most families use one or two communes among
    many), then the others, each group in the catalogue's order."""
    familiar = {access.commune_id for access in accesses}
    communes = [
        commune
        for commune in catalogue.catalogue()
        if site_communes is None or commune.id in site_communes
    ]
    return sorted(communes, key=lambda commune: commune.id not in familiar)


def _with_requests(communes, active) -> list[dict]:
    """The catalogue as the template walks it, each option with the account's active request."""
    return [
        {
            "id": commune.id,
            "name": commune.name,
            "services": [
                {
                    "title": service.title,
                    "options": [
                        {
                            "id": option.id,
                            "title": option.title,
                            "price": option.price,
                            "required_documents": option.required_documents,
                            "requires_tax_figures": option.requires_tax_figures,
                            "access": active.get(option.id),
                        }
                        for option in service.options
                    ],
                }
                for service in commune.services
            ],
        }
        for commune in communes
    ]


def _catalogue_option(option_id, site_communes=None):
    """The tariff option as the catalogue offers it (public, priced at a commune of the site
    when `site_communes` says which), or a 404."""
    option = get_object_or_404(
        Product.objects.select_related("parent"), pk=option_id, structure=Product.CHILD
    )
    entry = catalogue.service(option.parent_id)
    if entry and site_communes is not None and entry.commune.id not in site_communes:
        raise Http404
    for offered in entry.options if entry else []:
        if offered.id == option.pk:
            return option, entry, offered
    raise Http404


@signed_in_required
@require_http_methods(["GET", "POST"])
def access_request(request, option_id):
    option, service, offered = _catalogue_option(option_id, site_commune_ids(request))
    requirements = requirements_of(option)
    form = AccessRequestForm(
        request.POST or None,
        request.FILES or None,
        account=request.user,
        requirements=requirements,
    )
    if request.method == "POST" and form.is_valid():
        try:
            access = request_access(
                account=request.user,
                tariff_option=option,
                beneficiaries=form.cleaned_data["beneficiaries"],
                documents=form.documents(),
                **form.tax_figures(),
            )
        except ValidationError as error:
            add_refusals(form, error)
        else:
            messages.success(
                request,
                _(
                    "Votre demande d'accès à « %(option)s » est envoyée. La mairie va l'examiner : "
                    "vous recevrez un e-mail dès sa décision."
                )
                % {"option": option.title},
            )
            return redirect("portail:access_detail", pk=access.pk)
    already = (
        accesses_of(request.user).filter(tariff_option=option, status__in=ACTIVE_STATUSES).first()
    )
    return render(
        request,
        "themes/family/access_request.html",
        {
            "form": form,
            "option": offered,
            "service": service,
            "already": already,
            "has_beneficiaries": form.fields["beneficiaries"].queryset.exists(),
        },
    )


@signed_in_required
def access_detail(request, pk):
    access = get_object_or_404(accesses_of(request.user), pk=pk)
    return _render_access(request, access, DocumentUploadForm(initial=_initial_kind(access)))


@signed_in_required
@require_POST
def access_document(request, pk):
    """A new document for a request still being examined (e.g. the one the agent asked for)."""
    access = get_object_or_404(accesses_of(request.user), pk=pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = replace_document(
                access,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as error:
            add_refusals(form, error)
        else:
            messages.success(
                request,
                _("Votre pièce « %(kind)s » est envoyée : la mairie va l'examiner.")
                % {"kind": document.get_kind_display()},
            )
            return redirect("portail:access_detail", pk=access.pk)
    return _render_access(request, access, form)


def _render_access(request, access, form):
    return render(
        request,
        "themes/family/access_detail.html",
        {"access": _decorated(access), "form": form},
    )


def _initial_kind(access) -> dict:
    """The kind of the first document the option asks for, the likeliest one to be sent again."""
    kinds = requirements_of(access.tariff_option).required_documents
    return {"kind": kinds[0]} if kinds else {}


def _decorated(access):
    """Adds what the templates show: the badge, each step's author, the download links, and the
    agent's latest note when a new document is asked."""
    access.badge = STATUS_BADGES.get(access.status, "warn")
    events = list(access.events.all())
    for event in events:
        event.author = _author(access, event.actor)
    access.steps = events
    access.request_note = ""
    if access.status == AccessStatus.DOCUMENT_REQUESTED:
        asked = [e for e in events if e.status == AccessStatus.DOCUMENT_REQUESTED]
        access.request_note = asked[-1].message if asked else ""
    for document in access.current_documents:
        document.download_url = reverse(
            "access_requests:document",
            kwargs={"pk": access.pk, "document_id": document.pk},
        )
    return access


def _author(access, actor) -> str:
    # The parent sees themself as "Vous" and never an agent's address: an agent without a name
    # is shown as their commune (as the API does).
    if actor is None:
        return ""
    if actor.pk == access.account_id:
        return _("Vous")
    return actor.get_full_name() or access.commune.name


urlpatterns = [
    path("espace/filiations/", beneficiary_list, name="beneficiaries"),
    path("espace/filiations/ajouter/", beneficiary_add, name="beneficiary_add"),
    path("espace/filiations/<int:pk>/modifier/", beneficiary_edit, name="beneficiary_edit"),
    path("espace/filiations/<int:pk>/archiver/", beneficiary_archive, name="beneficiary_archive"),
    path("espace/services/", services, name="services"),
    path(
        "espace/services/demander/<int:option_id>/",
        access_request,
        name="access_request",
    ),
    path("espace/services/demandes/<int:pk>/", access_detail, name="access_detail"),
    path(
        "espace/services/demandes/<int:pk>/pieces/",
        access_document,
        name="access_document",
    ),
]
