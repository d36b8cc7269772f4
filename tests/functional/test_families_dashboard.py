"""Agents' family screens in the Oscar dashboard: accounts to validate, access requests to
examine, and what waits for the agent on the dashboard home — each limited to their communes."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from reservations.access import request_access
from reservations.models import AccessStatus, Beneficiary, ServiceAccess
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    OfficerFactory,
    ParentFactory,
    PartnerFactory,
    PendingParentFactory,
)
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

ACCOUNTS = "/dashboard/familles/comptes/"
ACCESSES = "/dashboard/familles/demandes/"

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def detail(access):
    return f"{ACCESSES}{access.pk}/"


def ask(account, option, commune, **fields):
    access = ServiceAccess.objects.create(
        account=account, tariff_option=option, commune=commune, **fields
    )
    child = Beneficiary.objects.create(
        account=account,
        first_name="Léa",
        last_name=account.last_name,
        birth_date=date(2018, 5, 4),
        relation="mere",
    )
    access.beneficiaries.add(child)
    return access


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def bains():
    return PartnerFactory(name="Bains")


@pytest.fixture
def canteen(rosieres):
    return make_service(rosieres, "Cantine de Rosières", {"Repas enfant": "3.30"})


@pytest.fixture
def daycare(rosieres):
    return make_service(rosieres, "Garderie de Rosières", {"1er enfant": "1.50"})


@pytest.fixture
def bains_canteen(bains):
    return make_service(bains, "Cantine de Bains", {"Repas enfant à Bains": "3.10"})


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def rosieres_request(rosieres, canteen):
    return ask(ParentFactory(first_name="Claire", last_name="Martin"), canteen[1][0], rosieres)


@pytest.fixture
def bains_request(bains, bains_canteen):
    return ask(ParentFactory(first_name="Paul", last_name="Bainsois"), bains_canteen[1][0], bains)


# --- Access requests ------------------------------------------------------------------------


def test_agent_of_rosieres_sees_rosieres_requests_and_not_bains(
    agent_client, rosieres_request, bains_request
):
    page = agent_client.get(ACCESSES).content.decode()

    assert "Claire Martin" in page
    assert "Cantine de Rosières" in page
    assert "Paul Bainsois" not in page
    assert "Cantine de Bains" not in page


def test_the_service_filter_offers_only_the_agents_communes_services(
    agent_client, canteen, daycare, bains_canteen
):
    form = agent_client.get(ACCESSES).context["form"]

    assert set(form.fields["service"].queryset) == {canteen[0], daycare[0]}


def test_requests_are_filtered_by_service(agent_client, rosieres, canteen, daycare):
    at_canteen = ask(ParentFactory(last_name="Cantinier"), canteen[1][0], rosieres)
    at_daycare = ask(ParentFactory(last_name="Garderiste"), daycare[1][0], rosieres)

    response = agent_client.get(ACCESSES, {"service": canteen[0].pk})

    assert [row.record for row in response.context["accesses"].page.object_list] == [at_canteen]
    assert at_daycare.account.last_name not in response.content.decode()


def test_requests_are_filtered_by_status(agent_client, rosieres, canteen, daycare):
    pending = ask(ParentFactory(last_name="Attente"), canteen[1][0], rosieres)
    accepted = ask(ParentFactory(last_name="Acceptee"), daycare[1][0], rosieres)
    ServiceAccess.objects.filter(pk=accepted.pk).update(status=AccessStatus.ACCEPTED)

    response = agent_client.get(ACCESSES, {"status": "accepted"})

    assert [row.record for row in response.context["accesses"].page.object_list] == [accepted]
    assert pending.account.last_name not in response.content.decode()


def test_filtering_by_another_communes_service_shows_an_error_not_its_requests(
    agent_client, rosieres_request, bains_request, bains_canteen
):
    response = agent_client.get(ACCESSES, {"service": bains_canteen[0].pk})

    assert response.context["form"].errors["service"]
    assert "Paul Bainsois" not in response.content.decode()


def test_the_detail_page_shows_the_family_tax_figures_documents_and_history(
    agent_client, settings, tmp_path, rosieres, canteen
):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}},
    }
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    child = Beneficiary.objects.create(
        account=parent,
        first_name="Hugo",
        last_name="Martin",
        birth_date=date(2017, 9, 1),
        relation="mere",
        school_class="CE1",
    )
    access = request_access(
        account=parent,
        tariff_option=canteen[1][0],
        beneficiaries=[child],
        documents={
            "proof_of_address": SimpleUploadedFile(
                "facture-edf.pdf", PDF, content_type="application/pdf"
            )
        },
        reference_tax_income=Decimal("30000"),
        tax_shares=Decimal("2.5"),
    )
    document = access.documents.get()

    page = agent_client.get(detail(access)).content.decode()

    assert "Claire Martin" in page and parent.email in page
    assert "Hugo Martin" in page and "01/09/2017" in page and "CE1" in page
    assert "30\u202f000,00" in page or "30 000,00" in page or "30000,00" in page
    assert "1\u202f000,00" in page or "1 000,00" in page or "1000,00" in page  # 30000 / 12 / 2.5
    assert "facture-edf.pdf" in page
    assert f'href="/api/access-requests/{access.pk}/documents/{document.pk}/"' in page
    assert "Demande envoyée." in page
    for form_id in ("accept_form", "refuse_form", "document_form"):
        assert f'id="{form_id}"' in page


def test_accepting_with_a_bracket_accepts_and_emails_the_parent(
    agent_client, agent, rosieres_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"{detail(rosieres_request)}accepter/", {"tariff_bracket": "QF 2"}
        )

    assert response.status_code == 302
    assert response["Location"] == detail(rosieres_request)
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.ACCEPTED
    assert rosieres_request.tariff_bracket == "QF 2"
    assert rosieres_request.decided_by == agent
    assert [message.to for message in mail.outbox] == [[rosieres_request.account.email]]
    assert "QF 2" in mail.outbox[0].body
    assert "acceptée" in agent_client.get(response["Location"]).content.decode()


def test_correcting_the_quotient_without_a_reason_shows_a_form_error_and_changes_nothing(
    agent_client, rosieres_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"{detail(rosieres_request)}accepter/", {"family_quotient": "1.00"}
        )

    assert response.status_code == 200
    assert response.context["accept_form"].errors["correction_reason"]
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.PENDING
    assert rosieres_request.events.count() == 0
    assert mail.outbox == []


def test_the_accept_form_offers_the_familys_figures_to_check(agent_client, rosieres_request):
    form = agent_client.get(detail(rosieres_request)).context["accept_form"]

    assert form.initial["family_quotient"] == rosieres_request.family_quotient
    assert form.initial["tax_shares"] == rosieres_request.tax_shares


def test_a_decision_on_a_request_already_decided_shows_the_services_error(
    agent_client, rosieres_request
):
    ServiceAccess.objects.filter(pk=rosieres_request.pk).update(
        status=AccessStatus.REFUSED, refusal_reason="Hors commune"
    )

    response = agent_client.post(f"{detail(rosieres_request)}accepter/", {"tariff_bracket": "A"})

    assert response.status_code == 200
    assert "déjà été traitée" in " ".join(response.context["accept_form"].non_field_errors())
    rosieres_request.refresh_from_db()
    assert (rosieres_request.status, rosieres_request.tariff_bracket) == ("refused", "")


def test_refusing_with_a_reason_refuses_and_emails_the_parent(
    agent_client, rosieres_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"{detail(rosieres_request)}refuser/", {"reason": "Justificatif illisible."}
        )

    assert response.status_code == 302
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.REFUSED
    assert rosieres_request.refusal_reason == "Justificatif illisible."
    assert "Justificatif illisible." in mail.outbox[0].body


def test_refusing_without_a_reason_shows_a_form_error_and_changes_nothing(
    agent_client, rosieres_request
):
    response = agent_client.post(f"{detail(rosieres_request)}refuser/", {"reason": ""})

    assert response.status_code == 200
    assert response.context["refuse_form"].errors["reason"]
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.PENDING


def test_asking_for_a_document_marks_the_request_document_requested(
    agent_client, rosieres_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"{detail(rosieres_request)}piece/",
            {"kind": "family_quotient", "message": "Celle de 2025, s'il vous plaît."},
        )

    assert response.status_code == 302
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.DOCUMENT_REQUESTED
    event = rosieres_request.events.get()
    assert "quotient familial" in event.message and "Celle de 2025" in event.message
    assert "Celle de 2025" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("", None),
        ("accepter/", {"tariff_bracket": "A"}),
        ("refuser/", {"reason": "Non"}),
        ("piece/", {"kind": "other", "message": ""}),
    ],
)
def test_another_communes_request_is_a_404(agent_client, bains_request, suffix, data):
    url = f"{detail(bains_request)}{suffix}"

    response = agent_client.get(url) if data is None else agent_client.post(url, data)

    assert response.status_code == 404
    bains_request.refresh_from_db()
    assert bains_request.status == AccessStatus.PENDING


def test_an_administrator_sees_every_communes_requests(client, rosieres_request, bains_request):
    client.force_login(AdministratorFactory())

    page = client.get(ACCESSES).content.decode()

    assert "Claire Martin" in page and "Paul Bainsois" in page
    assert client.get(detail(bains_request)).status_code == 200


# --- Accounts awaiting validation -----------------------------------------------------------


def test_the_queue_lists_new_accounts_and_those_asking_the_agents_communes(
    agent_client, rosieres, bains, canteen, bains_canteen
):
    newcomer = PendingParentFactory(first_name="Nina", last_name="Nouvelle")
    asking_here = PendingParentFactory(first_name="Ivan", last_name="Ici")
    ask(asking_here, canteen[1][0], rosieres)
    asking_both = PendingParentFactory(first_name="Berthe", last_name="Deux")
    ask(asking_both, canteen[1][0], rosieres)
    ask(asking_both, bains_canteen[1][0], bains)
    asking_elsewhere = PendingParentFactory(first_name="Alain", last_name="Ailleurs")
    ask(asking_elsewhere, bains_canteen[1][0], bains)
    ParentFactory(first_name="Victor", last_name="Ancien")
    AdministratorFactory(validated_at=None, last_name="Personnel")

    response = agent_client.get(ACCOUNTS)

    records = [row.record for row in response.context["accounts"].page.object_list]
    assert set(records) == {newcomer, asking_here, asking_both}
    page = response.content.decode()
    assert "Aucune demande d&#x27;accès" in page  # the newcomer's communes column
    assert "Bains, Rosières" in page
    assert "Ailleurs" not in page and "Ancien" not in page and "Personnel" not in page


def test_an_administrator_sees_every_account_awaiting_validation(client, bains, bains_canteen):
    asking_elsewhere = PendingParentFactory()
    ask(asking_elsewhere, bains_canteen[1][0], bains)
    client.force_login(AdministratorFactory())

    response = client.get(ACCOUNTS)

    assert asking_elsewhere in [row.record for row in response.context["accounts"].page.object_list]


def test_validating_an_account_from_the_queue_validates_it_and_it_leaves_the_queue(
    agent_client, agent, django_capture_on_commit_callbacks
):
    newcomer = PendingParentFactory(first_name="Nina", last_name="Nouvelle")

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"{ACCOUNTS}{newcomer.pk}/valider/")

    assert response.status_code == 302
    assert response["Location"] == ACCOUNTS
    newcomer.refresh_from_db()
    assert newcomer.is_validated and newcomer.validated_by == agent
    assert [message.to for message in mail.outbox] == [[newcomer.email]]
    page = agent_client.get(ACCOUNTS).content.decode()
    assert "Nina Nouvelle est validé" in page
    assert newcomer.email not in page


def test_validating_an_account_whose_requests_are_all_in_another_commune_is_a_404(
    agent_client, bains, bains_canteen
):
    asking_elsewhere = PendingParentFactory()
    ask(asking_elsewhere, bains_canteen[1][0], bains)

    response = agent_client.post(f"{ACCOUNTS}{asking_elsewhere.pk}/valider/")

    assert response.status_code == 404
    asking_elsewhere.refresh_from_db()
    assert not asking_elsewhere.is_validated


def test_validating_is_a_post(agent_client):
    newcomer = PendingParentFactory()

    assert agent_client.get(f"{ACCOUNTS}{newcomer.pk}/valider/").status_code == 405


# --- Dashboard home, permissions ------------------------------------------------------------


def test_the_dashboard_home_shows_the_agents_pending_counts(
    agent_client, rosieres, bains, canteen, daycare, bains_canteen
):
    ask(PendingParentFactory(), canteen[1][0], rosieres)  # 1 account, 1 request
    ask(ParentFactory(), daycare[1][0], rosieres)  # 1 request
    decided = ask(ParentFactory(), daycare[1][0], rosieres)
    ServiceAccess.objects.filter(pk=decided.pk).update(status=AccessStatus.DOCUMENT_REQUESTED)
    PendingParentFactory()  # 1 account, asked nothing yet
    ask(PendingParentFactory(), bains_canteen[1][0], bains)  # another commune's

    page = agent_client.get("/dashboard/").content.decode()

    assert "2 comptes à valider" in page
    assert "2 demandes d'accès en attente" in page
    assert 'href="/dashboard/familles/comptes/"' in page


@pytest.mark.parametrize("role", [ParentFactory, PendingParentFactory, OfficerFactory])
@pytest.mark.parametrize("path", [ACCOUNTS, ACCESSES])
def test_parents_and_officers_cannot_open_the_families_screens(client, role, path):
    client.force_login(role())

    response = client.get(path)

    # Oscar's permission decorator: a signed-in user without the permission gets a 403.
    assert response.status_code == 403


def test_parents_and_officers_cannot_decide_or_validate(client, rosieres_request):
    newcomer = PendingParentFactory()
    for role in (ParentFactory, OfficerFactory):
        client.force_login(role())
        assert client.post(f"{ACCOUNTS}{newcomer.pk}/valider/").status_code == 403
        response = client.post(f"{detail(rosieres_request)}accepter/", {"tariff_bracket": "A"})
        assert response.status_code == 403
    newcomer.refresh_from_db()
    rosieres_request.refresh_from_db()
    assert not newcomer.is_validated
    assert rosieres_request.status == AccessStatus.PENDING


@pytest.mark.parametrize("path", [ACCOUNTS, ACCESSES])
def test_an_anonymous_visitor_is_sent_to_the_dashboard_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_an_agent_without_the_review_permission_cannot_open_the_requests(client, rosieres):
    agent = AgentFactory(communes=[rosieres])
    agent.groups.clear()
    agent.user_permissions.add(Permission.objects.get(codename="dashboard_access"))
    client.force_login(agent)

    assert client.get(ACCESSES).status_code == 403
    assert client.get(ACCOUNTS).status_code == 403


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_requests_list_costs_the_same_queries_for_3_and_30_rows(
    agent_client, rosieres, canteen, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        ask(PendingParentFactory(), canteen[1][0], rosieres)

    # 13 today (session, user, permissions, services of the filter, notifications, count, page,
    # beneficiaries, session save …); the point is that 30 rows cost what 3 do.
    with django_assert_max_num_queries(14):
        response = agent_client.get(ACCESSES)

    assert len(response.context["accesses"].page.object_list) == min(rows, 20)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_accounts_queue_costs_the_same_queries_for_3_and_30_rows(
    agent_client, rosieres, canteen, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        ask(PendingParentFactory(), canteen[1][0], rosieres)

    # 12 today; the communes asked come in one prefetch whatever the number of rows.
    with django_assert_max_num_queries(14):
        response = agent_client.get(ACCOUNTS)

    assert len(response.context["accounts"].page.object_list) == min(rows, 20)


def test_the_detail_page_queries_do_not_grow_with_beneficiaries_and_history(
    agent_client, rosieres_request, django_assert_max_num_queries
):
    for index in range(10):
        rosieres_request.beneficiaries.add(
            Beneficiary.objects.create(
                account=rosieres_request.account,
                first_name=f"Enfant {index}",
                last_name="Martin",
                birth_date=date(2016, 1, 1),
                relation="pere",
            )
        )
        rosieres_request.events.create(status=AccessStatus.PENDING, message=f"Étape {index}")

    with django_assert_max_num_queries(14):
        assert agent_client.get(detail(rosieres_request)).status_code == 200


@pytest.mark.parametrize(
    "figures",
    [{"family_quotient": "1" * 16}, {"tax_shares": "999"}, {"reference_tax_income": "-5"}],
)
def test_an_out_of_range_figure_is_a_form_error_and_changes_nothing(
    agent_client, rosieres_request, figures
):
    response = agent_client.post(
        f"{detail(rosieres_request)}accepter/", {**figures, "correction_reason": "Essai"}
    )

    assert response.status_code == 200
    assert set(figures) <= set(response.context["accept_form"].errors)
    rosieres_request.refresh_from_db()
    assert rosieres_request.status == AccessStatus.PENDING
