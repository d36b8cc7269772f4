"""The parent front end's family pages: "Mes filiations" (children, photo, archive) and
"Mes services" (catalogue, access requests with their documents, status and history), rendered by
the server and posted as plain forms, as a browser without JavaScript does."""

import html
import io
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from reservations.access import accept_access, refuse_access, request_new_document
from reservations.models import (
    AccessDocument,
    AccessStatus,
    Beneficiary,
    Relation,
    SchoolClass,
    ServiceAccess,
)
from tests.access_factories import ask, make_option, pdf_upload, png_upload
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory
from tests.reservations_factories import BeneficiaryFactory, make_access, years_ago

pytestmark = pytest.mark.django_db

LIST = "/espace/filiations/"
ADD = "/espace/filiations/ajouter/"
SERVICES = "/espace/services/"


def edit_url(beneficiary):
    return f"/espace/filiations/{beneficiary.pk}/modifier/"


def archive_url(beneficiary):
    return f"/espace/filiations/{beneficiary.pk}/archiver/"


def request_url(option):
    return f"/espace/services/demander/{option.pk}/"


def detail_url(access):
    return f"/espace/services/demandes/{access.pk}/"


def upload_url(access):
    return f"/espace/services/demandes/{access.pk}/pieces/"


def text(response) -> str:
    """The page as a reader sees it: entities (', &amp;) decoded."""
    return html.unescape(response.content.decode())


def photo_upload(name="enfant.png", size=(1200, 800)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def text_renamed(name) -> SimpleUploadedFile:
    """A plain text file the parent renamed; the browser announces the type of the name."""
    content_type = "application/pdf" if name.endswith(".pdf") else "image/jpeg"
    return SimpleUploadedFile(name, b"Ceci n'est pas un justificatif.\n" * 4, content_type)


def stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    """Photos and documents go to a throwaway folder. Both file fields resolved their storage
    when the model classes were built, so they are pointed there too."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(root)}},
    }
    monkeypatch.setattr(Beneficiary._meta.get_field("photo"), "storage", storages["private"])
    monkeypatch.setattr(AccessDocument._meta.get_field("file"), "storage", storages["private"])
    return root


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


@pytest.fixture
def lea(parent):
    return BeneficiaryFactory(account=parent, first_name="Léa", last_name="Martin")


@pytest.fixture
def stranger():
    """Another family's child."""
    return BeneficiaryFactory(first_name="Inès", last_name="Bernard")


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières", code="rosieres")


@pytest.fixture
def option(rosieres):
    return make_option(rosieres)


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres], first_name="Agent", last_name="Rosières")


def child_form(**changes):
    data = {
        "last_name": "Martin",
        "first_name": "Hugo",
        "birth_date": years_ago(5, days=40).isoformat(),
        "relation": Relation.MOTHER,
        "school_class": SchoolClass.GS,
        "group": "",
        "pai_details": "",
        "additional_information": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Who may come in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [LIST, ADD, "/espace/filiations/1/modifier/", SERVICES, "/espace/services/demandes/1/"]
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={url}"


@pytest.mark.parametrize("url", [LIST, ADD, SERVICES])
def test_an_account_awaiting_validation_may_already_open_the_family_pages(client, url):
    """As the welcome e-mail says: children and access requests are prepared before the
    commune validates the account."""
    client.force_login(PendingParentFactory())

    response = client.get(url)

    assert response.status_code == 200


def test_an_account_awaiting_validation_adds_a_child_and_asks_access(client, option):
    pending = PendingParentFactory()
    client.force_login(pending)

    added = client.post(ADD, child_form())
    hugo = Beneficiary.objects.get(account=pending)
    asked = client.post(request_url(option), request_form([hugo]))

    assert added.status_code == 302 and added["Location"] == LIST
    access = ServiceAccess.objects.get(account=pending)
    assert asked.status_code == 302 and asked["Location"] == detail_url(access)
    assert access.status == AccessStatus.PENDING
    assert "Hugo Martin" in text(client.get(LIST))


@pytest.mark.parametrize(
    "url", ["/espace/", "/espace/reserver/", "/espace/panier/", "/espace/porte-monnaie/"]
)
def test_an_account_awaiting_validation_still_cannot_book_or_pay(client, url):
    client.force_login(PendingParentFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/espace/en-attente/"


def test_the_awaiting_page_and_its_menu_lead_to_the_children_and_services_only(client):
    client.force_login(PendingParentFactory())

    page = text(client.get("/espace/en-attente/"))

    assert f'href="{LIST}"' in page and f'href="{SERVICES}"' in page
    assert 'href="/espace/reserver/"' not in page
    assert 'href="/espace/panier/"' not in page


# --- Mes filiations ----------------------------------------------------------------------------


def test_the_list_shows_the_familys_children_and_no_one_elses(parent_client, lea, stranger):
    BeneficiaryFactory(
        account=lea.account, first_name="Hugo", has_pai=True, pai_details="Allergie arachide"
    )

    response = parent_client.get(LIST)

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Mes filiations</h1>" in page
    assert "Léa Martin" in page and "Hugo" in page
    assert "Allergie arachide" in page
    assert "Inès" not in page
    assert edit_url(lea) in page and archive_url(lea) in page
    assert 'href="/espace/filiations/ajouter/"' in page


def test_an_empty_family_is_told_how_to_start(parent_client):
    page = text(parent_client.get(LIST))

    assert "Il n'y a pas de filiation associée à votre compte usager." in page
    assert "Ajouter une filiation" in page


def test_a_parent_adds_a_child(parent_client, parent):
    response = parent_client.post(ADD, child_form(has_pai="on", pai_details="Sans gluten"))

    assert response.status_code == 302
    assert response["Location"] == LIST
    hugo = Beneficiary.objects.get(account=parent)
    assert (hugo.first_name, hugo.school_class, hugo.has_pai) == ("Hugo", "GS", True)
    assert hugo.pai_details == "Sans gluten"
    page = text(parent_client.get(LIST))
    assert "Hugo Martin a été ajouté(e) à vos filiations." in page


def test_a_child_added_with_a_photo_keeps_a_reencoded_jpeg(parent_client, parent, private_root):
    response = parent_client.post(ADD, {**child_form(), "photo": photo_upload()})

    assert response.status_code == 302
    hugo = Beneficiary.objects.get(account=parent)
    assert hugo.photo
    with Image.open(hugo.photo.path) as image:
        assert image.format == "JPEG" and max(image.size) <= 600
    page = text(parent_client.get(LIST))
    photo_url = f"/api/beneficiaries/{hugo.pk}/photo/"
    assert f'src="{photo_url}"' in page
    assert parent_client.get(photo_url)["Content-Type"] == "image/jpeg"


def test_a_refused_child_is_explained_next_to_its_field_and_nothing_is_stored(
    parent_client, parent, private_root
):
    response = parent_client.post(
        ADD,
        {
            **child_form(first_name="", school_class=SchoolClass.CP, has_pai="on"),
            "photo": text_renamed("photo.jpg"),
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert "Le formulaire contient des erreurs" in page
    assert 'id="id_first_name_error"' in page
    assert "Indiquez le prénom du bénéficiaire." in page
    assert not Beneficiary.objects.filter(account=parent).exists()
    assert stored(private_root) == []


def test_the_rules_of_the_use_case_come_back_on_their_fields(parent_client, parent):
    # A 20-year-old in CM2 and a PAI without details: refused by create_beneficiary.
    response = parent_client.post(
        ADD,
        child_form(
            birth_date=years_ago(20, days=40).isoformat(),
            school_class=SchoolClass.CM2,
            has_pai="on",
            pai_details="",
        ),
    )

    assert response.status_code == 200
    page = text(response)
    assert 'id="id_school_class_error"' in page
    assert "Un enfant de 20 ans ne peut pas être en CM2" in page
    assert 'id="id_pai_details_error"' in page
    assert "Décrivez le PAI" in page
    assert 'aria-invalid="true"' in page
    assert not Beneficiary.objects.filter(account=parent).exists()


def test_a_bad_photo_is_refused_next_to_the_field(parent_client, parent, private_root):
    response = parent_client.post(ADD, {**child_form(), "photo": text_renamed("photo.jpg")})

    assert response.status_code == 200
    page = text(response)
    assert 'id="id_photo_error"' in page
    assert "La photo doit être une image JPEG ou PNG." in page
    assert not Beneficiary.objects.filter(account=parent).exists()
    assert stored(private_root) == []


def test_the_edit_page_is_filled_in_and_saves_the_changes(parent_client, lea):
    page = text(parent_client.get(edit_url(lea)))
    assert 'value="Léa"' in page
    assert f'value="{lea.birth_date.isoformat()}"' in page

    response = parent_client.post(
        edit_url(lea),
        child_form(first_name="Léa", school_class=SchoolClass.CE2, group="Les Loutres"),
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    lea.refresh_from_db()
    assert (lea.group, lea.school_class) == ("Les Loutres", "CE2")
    assert "Les informations de Léa Martin sont enregistrées." in text(parent_client.get(LIST))


def test_a_photo_sent_from_the_edit_page_is_stored_then_removed(
    parent_client, lea, private_root, django_capture_on_commit_callbacks
):
    response = parent_client.post(
        edit_url(lea), {**child_form(first_name="Léa", school_class="CE2"), "photo": photo_upload()}
    )

    assert response.status_code == 302
    lea.refresh_from_db()
    assert lea.photo and len(stored(private_root)) == 1
    assert "Supprimer la photo actuelle" in text(parent_client.get(edit_url(lea)))

    # The old file goes once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        parent_client.post(
            edit_url(lea),
            {**child_form(first_name="Léa", school_class="CE2"), "remove_photo": "on"},
        )

    lea.refresh_from_db()
    assert not lea.photo
    assert stored(private_root) == []


def test_a_refused_photo_leaves_the_other_changes_unsaved(parent_client, lea, private_root):
    response = parent_client.post(
        edit_url(lea),
        {
            **child_form(first_name="Léa", school_class="CE2", group="Les Loutres"),
            "photo": text_renamed("photo.png"),
        },
    )

    assert response.status_code == 200
    assert "La photo doit être une image JPEG ou PNG." in text(response)
    lea.refresh_from_db()
    assert lea.group == "" and not lea.photo
    assert stored(private_root) == []


def test_archiving_asks_for_confirmation_and_keeps_a_child_with_history(parent_client, lea):
    make_access([lea])

    confirmation = parent_client.get(archive_url(lea))

    assert confirmation.status_code == 200
    assert "Confirmer l'archivage de Léa Martin" in text(confirmation)
    lea.refresh_from_db()
    assert lea.archived_at is None

    response = parent_client.post(archive_url(lea))

    assert response.status_code == 302
    lea.refresh_from_db()
    assert lea.archived_at is not None
    page = text(parent_client.get(LIST))
    assert "Léa Martin a été archivé(e)" in page
    assert "Filiations archivées" in page
    assert edit_url(lea) not in page
    assert parent_client.get(edit_url(lea)).status_code == 404


def test_removing_a_child_without_history_deletes_it(parent_client, lea):
    response = parent_client.post(archive_url(lea))

    assert response.status_code == 302
    assert not Beneficiary.objects.filter(pk=lea.pk).exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", edit_url), ("post", edit_url), ("get", archive_url), ("post", archive_url)],
)
def test_another_parents_child_is_not_found(parent_client, stranger, method, url):
    response = getattr(parent_client, method)(url(stranger), child_form(first_name="Pirate"))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.first_name == "Inès" and stranger.archived_at is None


def test_a_post_without_the_csrf_token_is_refused(parent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)

    response = client.post(ADD, child_form())

    assert response.status_code == 403
    assert not Beneficiary.objects.filter(account=parent).exists()


# --- Mes services: the page --------------------------------------------------------------------


def test_the_services_page_shows_the_catalogue_with_what_each_option_asks(
    parent_client, option, rosieres
):
    make_option(rosieres, option="Réservation cantine pour adultes", documents=["proof_of_address"])

    response = parent_client.get(SERVICES)

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Mes services</h1>" in page
    assert "Ajouter un service" in page
    assert "Rosières" in page and "Cantine de Rosières" in page
    assert "Réservation cantine pour enfants" in page
    assert "Réservation cantine pour adultes" in page
    assert "Justificatif de domicile" in page
    assert "Attestation de quotient familial ou déclaration de revenus" in page
    assert f'href="{request_url(option)}"' in page
    assert "Vous n'avez encore demandé l'accès à aucun service." in page


def test_the_communes_the_family_already_asked_come_first_in_the_catalogue(
    parent_client, parent, rosieres
):
    aiguilhe = PartnerFactory(name="Aiguilhe", code="aiguilhe")
    make_option(aiguilhe, option="Garderie d'Aiguilhe")
    ask(parent, make_option(rosieres, option="Réservation cantine pour enfants"))

    communes = [commune["name"] for commune in parent_client.get(SERVICES).context["catalogue"]]

    assert communes == ["Rosières", "Aiguilhe"]


def test_each_request_shows_its_status_in_words(parent_client, parent, rosieres, agent):
    pending = ask(parent, make_option(rosieres, option="Pendant"))
    accepted = ask(parent, make_option(rosieres, option="Acceptée"))
    accept_access(accepted, tariff_bracket="QF inf 399", by=agent)
    refused = ask(parent, make_option(rosieres, option="Refusée"))
    refuse_access(refused, reason="Hors secteur scolaire.", by=agent)
    asked = ask(parent, make_option(rosieres, option="Pièce"))
    request_new_document(asked, kind="family_quotient", message="Avis 2025.", by=agent)
    others = ask(ParentFactory(), make_option(rosieres, option="Autre famille"))

    page = text(parent_client.get(SERVICES))

    assert "En attente" in page
    assert "Acceptée" in page and "Tranche : QF inf 399" in page
    assert "Refusée" in page and "Motif : Hors secteur scolaire." in page
    assert "Une nouvelle pièce vous est demandée." in page
    for access in (pending, accepted, refused, asked):
        assert detail_url(access) in page
    assert detail_url(others) not in page
    # Asked or accepted options lead to the request, not to a second one.
    assert request_url(pending.tariff_option) not in page
    assert request_url(refused.tariff_option) in page


# --- Mes services: asking ----------------------------------------------------------------------


def request_form(people, **changes):
    data = {
        "beneficiaries": [person.pk for person in people],
        "proof_of_address": pdf_upload("domicile.pdf"),
        "family_quotient": png_upload("avis.png"),
        "reference_tax_income": "24 000",
        "tax_shares": "2,5",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_request_form_asks_for_the_options_documents_and_tax_figures(
    parent_client, option, lea, stranger
):
    response = parent_client.get(request_url(option))

    assert response.status_code == 200
    page = text(response)
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label for="id_beneficiaries_0">Léa Martin</label>' in page
    assert "Inès" not in page
    assert '<label for="id_proof_of_address">Justificatif de domicile' in page
    assert '<label for="id_family_quotient">Attestation de quotient familial' in page
    assert '<label for="id_reference_tax_income">Revenu fiscal de référence' in page
    assert '<label for="id_tax_shares">Nombre de parts fiscales' in page
    assert ">Valider</button>" in page


def test_a_request_with_a_pdf_and_a_png_is_sent_and_pending(
    parent_client, parent, option, lea, private_root
):
    response = parent_client.post(request_url(option), request_form([lea]))

    access = ServiceAccess.objects.get(account=parent)
    assert response.status_code == 302
    assert response["Location"] == detail_url(access)
    assert access.status == AccessStatus.PENDING
    assert list(access.beneficiaries.all()) == [lea]
    assert access.reference_tax_income == Decimal("24000")
    assert access.tax_shares == Decimal("2.5")
    assert access.family_quotient == Decimal("800.00")
    kinds = {document.kind: document.content_type for document in access.documents.all()}
    assert kinds == {"proof_of_address": "application/pdf", "family_quotient": "image/png"}
    assert len(stored(private_root)) == 2

    page = text(parent_client.get(detail_url(access)))
    assert "Votre demande d'accès à « Réservation cantine pour enfants » est envoyée." in page
    assert "En attente" in page
    assert "domicile.pdf" in page
    assert "800,00" in page
    assert "Demande envoyée." in page


def test_a_text_file_renamed_pdf_is_refused_and_nothing_is_stored(
    parent_client, parent, option, lea, private_root
):
    response = parent_client.post(
        request_url(option), request_form([lea], proof_of_address=text_renamed("domicile.pdf"))
    )

    assert response.status_code == 200
    page = text(response)
    assert 'id="id_proof_of_address_error"' in page
    assert "Le fichier « domicile.pdf » n'est pas un PDF, un JPEG ou un PNG." in page
    assert not ServiceAccess.objects.filter(account=parent).exists()
    assert not AccessDocument.objects.exists()
    assert stored(private_root) == []


def test_missing_documents_and_figures_are_explained_on_their_fields(
    parent_client, parent, option, lea
):
    response = parent_client.post(
        request_url(option),
        request_form([], family_quotient=None, reference_tax_income="", tax_shares="deux"),
    )

    assert response.status_code == 200
    page = text(response)
    assert "Choisissez au moins un bénéficiaire." in page
    assert "Joignez ce justificatif : Attestation de quotient familial" in page
    assert 'id="id_reference_tax_income_error"' in page
    assert 'id="id_tax_shares_error"' in page
    assert not ServiceAccess.objects.exists()


def test_tax_shares_that_are_not_quarters_are_refused_by_the_use_case(parent_client, option, lea):
    response = parent_client.post(request_url(option), request_form([lea], tax_shares="2,3"))

    assert response.status_code == 200
    assert 'id="id_tax_shares_error"' in text(response)
    assert "va de quart en quart" in text(response)
    assert not ServiceAccess.objects.exists()


def test_another_familys_child_cannot_be_chosen(parent_client, option, lea, stranger):
    response = parent_client.post(request_url(option), request_form([stranger]))

    assert response.status_code == 200
    assert not ServiceAccess.objects.exists()
    assert 'id="id_beneficiaries_error"' in text(response)


def test_asking_twice_for_the_same_option_points_to_the_first_request(
    parent_client, parent, option, lea
):
    first = ask(parent, option, beneficiaries=[lea])

    page = text(parent_client.get(request_url(option)))
    assert "Vous avez déjà une demande en cours ou acceptée" in page
    assert detail_url(first) in page

    response = parent_client.post(request_url(option), request_form([lea]))
    assert response.status_code == 200
    assert ServiceAccess.objects.filter(account=parent).count() == 1


def test_an_option_outside_the_catalogue_is_not_found(parent_client, option):
    assert parent_client.get(request_url(option.parent)).status_code == 404
    assert parent_client.get("/espace/services/demander/999999/").status_code == 404


# --- Mes services: one request -----------------------------------------------------------------


def test_the_request_page_shows_the_decision_and_history(parent_client, parent, option, agent):
    access = ask(parent, option)
    accept_access(access, tariff_bracket="QF de 900 à 1 500 €", by=agent)

    response = parent_client.get(detail_url(access))

    assert response.status_code == 200
    page = text(response)
    assert "Acceptée" in page
    assert "QF de 900 à 1 500 €" in page
    assert "Agent Rosières" in page
    assert "Historique" in page
    # A decided request takes no more documents.
    assert upload_url(access) not in page
    document = access.documents.get(kind="proof_of_address")
    assert f"/api/access-requests/{access.pk}/documents/{document.pk}/" in page


def test_a_parent_sends_the_document_the_agent_asked_for(
    parent_client, parent, option, agent, private_root
):
    access = ask(parent, option)
    request_new_document(access, kind="family_quotient", message="Avis 2025 svp.", by=agent)
    page = text(parent_client.get(detail_url(access)))
    assert "La mairie vous demande une nouvelle pièce." in page
    assert "Avis 2025 svp." in page
    assert f'action="{upload_url(access)}"' in page

    response = parent_client.post(
        upload_url(access), {"kind": "family_quotient", "file": pdf_upload("avis-2025.pdf")}
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(access)
    access.refresh_from_db()
    assert access.status == AccessStatus.PENDING
    current = access.documents.get(kind="family_quotient", replaced_at__isnull=True)
    assert current.original_name == "avis-2025.pdf"
    assert access.documents.filter(kind="family_quotient").count() == 2
    page = text(parent_client.get(detail_url(access)))
    assert "est envoyée : la mairie va l'examiner." in page
    assert "avis-2025.pdf" in page


def test_a_bad_replacement_is_refused_next_to_the_file_field(
    parent_client, parent, option, agent, private_root
):
    access = ask(parent, option)
    request_new_document(access, kind="family_quotient", message="", by=agent)
    files_before = len(stored(private_root))

    response = parent_client.post(
        upload_url(access), {"kind": "family_quotient", "file": text_renamed("avis.pdf")}
    )

    assert response.status_code == 200
    page = text(response)
    assert 'id="id_file_error"' in page
    assert "n'est pas un PDF, un JPEG ou un PNG." in page
    access.refresh_from_db()
    assert access.status == AccessStatus.DOCUMENT_REQUESTED
    assert len(stored(private_root)) == files_before


def test_another_parents_request_is_not_found(parent_client, option):
    access = ask(ParentFactory(), option)

    assert parent_client.get(detail_url(access)).status_code == 404
    response = parent_client.post(
        upload_url(access), {"kind": "family_quotient", "file": pdf_upload()}
    )
    assert response.status_code == 404
    assert access.documents.count() == 2
