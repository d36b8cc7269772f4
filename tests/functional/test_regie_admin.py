"""The régies in the Django admin: an administrator creates backend accounts and régies and
attaches services; shares and counters are shown, never written by hand."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from tests.factories import AdministratorFactory, AgentFactory, PartnerFactory
from wallet.admin import secret_options
from wallet.models import PaymentBackendAccount, Regie, RegieCounter, ServiceRegie
from wallet.regies import regie_ids_of_services

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory())
    return client


@pytest.fixture
def backend():
    return PaymentBackendAccount.objects.create(name="Passerelle de test", kind="offline")


@pytest.fixture
def regie(backend):
    return Regie.objects.create(
        code="rosieres-cantine",
        name="Régie cantine de Rosières",
        commune=PartnerFactory(name="Rosières"),
        backend=backend,
    )


def backend_form(**overrides):
    data = {
        "name": "PayFiP Rosières",
        "kind": "payfip_ws",
        "options": '{"numcli": "123456", "saisie": "T"}',
        "secret_setting": "",
        "minimum_amount": "1.00",
        "maximum_amount": "",
        "is_active": "on",
    }
    return data | overrides


@pytest.mark.parametrize(
    ("options", "secrets"),
    [
        ({"numcli": "123456", "saisie": "T"}, []),
        ({"secret_test": "x", "site_id": "1"}, ["secret_test"]),
        ({"cle": "x", "PASSWORD": "y"}, ["PASSWORD", "cle"]),
        ({"publishable-key": "pk"}, ["publishable-key"]),
        ({"normal_return_url": "https://example.org/"}, []),
    ],
)
def test_secret_looking_option_names_are_found(options, secrets):
    assert secret_options(options) == secrets


def test_an_administrator_creates_a_payfip_backend_account(admin_client):
    response = admin_client.post("/django-admin/wallet/paymentbackendaccount/add/", backend_form())

    assert response.status_code == 302, response.content.decode()
    account = PaymentBackendAccount.objects.get(name="PayFiP Rosières")
    assert account.options == {"numcli": "123456", "saisie": "T"}
    assert account.minimum_amount == Decimal("1.00")


def test_a_secret_in_the_options_is_refused_with_where_to_put_it(admin_client):
    response = admin_client.post(
        "/django-admin/wallet/paymentbackendaccount/add/",
        backend_form(options='{"numcli": "123456", "secret_test": "abc"}'),
    )

    assert response.status_code == 200
    assert "secret_test" in response.content.decode()
    assert "réglage des secrets" in response.content.decode()
    assert not PaymentBackendAccount.objects.exists()


def test_the_options_help_says_secrets_are_never_stored_there(admin_client):
    page = admin_client.get("/django-admin/wallet/paymentbackendaccount/add/").content.decode()

    assert "ne sont jamais enregistrés ici" in page


def test_an_administrator_names_the_regisseurs_and_attaches_a_service(admin_client, regie):
    regisseur = AgentFactory()
    service = Product.objects.create(structure="parent", title="Cantine de Rosières")
    url = f"/django-admin/wallet/regie/{regie.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "selectfilter" in page  # régisseurs chosen in a filter_horizontal widget

    response = admin_client.post(
        url,
        {
            "name": regie.name,
            "code": regie.code,
            "kind": "services",
            "site": "",
            "commune": regie.commune_id,
            "regisseurs": [regisseur.pk],
            "numbering_format": "CAN-{yyyy}-{n:06d}",
            "backend": regie.backend_id,
            "service_links-TOTAL_FORMS": "1",
            "service_links-INITIAL_FORMS": "0",
            "service_links-0-service": service.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert list(regie.regisseurs.all()) == [regisseur]
    assert ServiceRegie.objects.get(service=service).regie == regie
    # The checkout's cached map sees the new link at once.
    assert regie_ids_of_services([service.pk]) == {service.pk: regie.pk}


def test_a_numbering_format_without_the_year_is_refused(admin_client, regie):
    response = admin_client.post(
        f"/django-admin/wallet/regie/{regie.pk}/change/",
        {
            "name": regie.name,
            "code": regie.code,
            "kind": "services",
            "commune": regie.commune_id,
            "numbering_format": "CAN-{n:06d}",
            "backend": regie.backend_id,
            "service_links-TOTAL_FORMS": "0",
            "service_links-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "{yyyy}" in response.content.decode()
    regie.refresh_from_db()
    assert regie.numbering_format != "CAN-{n:06d}"


@pytest.mark.parametrize("model", ["regieshare", "regiecounter"])
def test_shares_and_counters_are_listed_but_never_written_by_hand(admin_client, regie, model):
    RegieCounter.objects.create(regie=regie, year=2026, last=4)

    assert admin_client.get(f"/django-admin/wallet/{model}/").status_code == 200
    assert admin_client.get(f"/django-admin/wallet/{model}/add/").status_code == 403
    if model == "regiecounter":
        counter = RegieCounter.objects.get()
        change = admin_client.post(
            f"/django-admin/wallet/regiecounter/{counter.pk}/change/", {"last": "0"}
        )
        assert change.status_code == 403
        counter.refresh_from_db()
        assert counter.last == 4


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/django-admin/wallet/regie/", "Régie cantine de Rosières"),
        ("/django-admin/wallet/paymentbackendaccount/", "Passerelle de test"),
    ],
)
def test_the_regies_and_backend_accounts_are_listed(admin_client, regie, url, shown):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert shown in response.content.decode()
