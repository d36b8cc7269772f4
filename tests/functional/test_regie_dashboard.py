"""The régies in the dashboard: an administrator creates and edits régies and payment backend
accounts; a régisseur logs in, reaches only their régies' screens (another régie is a 404) and
exports their journal for a French Excel; an agent reads their communes' régies; a parent has
no access."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from tests.booking_factories import make_canteen
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministratorFactory,
    AgentFactory,
    ParentFactory,
    PartnerFactory,
    UserFactory,
)
from wallet import ledger
from wallet.ledger import Charge
from wallet.models import (
    BackendKind,
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    PaymentBackendAccount,
    Regie,
    RegieKind,
    ServiceRegie,
)
from wallet.regies import platform_regie, regie_ids_of_services

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
BASE = "/dashboard/porte-monnaie/regies/"
DAY = datetime.date(2030, 3, 4)
NOON = datetime.datetime(2030, 3, 4, 12, 0, tzinfo=PARIS)


def url(regie, screen=""):
    return f"{BASE}{regie.pk}/{screen}"


@pytest.fixture
def world():
    rosieres, aiguilhe = PartnerFactory(name="Rosières"), PartnerFactory(name="Aiguilhe")
    canteen_r, _meal, _ = make_canteen(rosieres, title="Cantine de Rosières")
    canteen_a, _meal, _ = make_canteen(aiguilhe, title="Cantine d'Aiguilhe")
    regies = regie_ids_of_services([canteen_r.pk, canteen_a.pk])
    regie_r = Regie.objects.get(pk=regies[canteen_r.pk])
    regie_a = Regie.objects.get(pk=regies[canteen_a.pk])
    regisseur = UserFactory(first_name="Régine", last_name="Caisse")
    regie_r.regisseurs.add(regisseur)
    other = UserFactory()
    regie_a.regisseurs.add(other)
    return {
        "rosieres": rosieres,
        "canteen_r": canteen_r,
        "canteen_a": canteen_a,
        "regie_r": regie_r,
        "regie_a": regie_a,
        "platform": platform_regie(),
        "regisseur": regisseur,
        "other_regisseur": other,
        "agent": AgentFactory(communes=[rosieres]),
    }


def money_of_the_day(world):
    """A top-up, a wallet payment and a card payment at Rosières, at noon on DAY."""
    canteen, commune, regie = world["canteen_r"], world["rosieres"], world["regie_r"]
    parent = ParentFactory(first_name="=Léa", last_name="Martin")
    with time_machine.travel(NOON):
        ledger.credit_top_up(parent, Decimal("10.00"), reference="t", idempotency_key="t")
        charge = Charge(canteen.pk, commune.pk, Decimal("3.30"), regie.pk)
        ledger.pay_from_wallet(parent, [charge], reference="CMD-1", idempotency_key="w")
        big = Charge(canteen.pk, commune.pk, Decimal("1234.50"), regie.pk)
        CardPayment.objects.create(
            owner=parent,
            purpose=CardPaymentPurpose.ORDER,
            amount=big.amount,
            gateway="offline",
            backend=regie.backend,
            regie=regie,
            order_number="CMD-2",
            status=CardPaymentStatus.SUCCEEDED,
            settled_at=timezone.now(),
            idempotency_key="card-cmd-2",
        )
        ledger.record_card_receipt([big], regie_id=regie.pk, reference="CMD-2", idempotency_key="c")
    return parent


# --- Who sees what ---------------------------------------------------------------------------


def test_an_administrator_sees_every_regie(client, world):
    client.force_login(AdministratorFactory())

    page = client.get(BASE).content.decode()

    for regie in ("regie_r", "regie_a", "platform"):
        assert escape(world[regie].name) in page
    assert 'id="create_regie"' in page


def test_a_regisseur_sees_only_their_regie_and_another_is_a_404(client, world):
    client.force_login(world["regisseur"])

    page = client.get(BASE).content.decode()
    assert world["regie_r"].name in page
    assert world["regie_a"].name not in page
    assert 'id="create_regie"' not in page
    assert client.get(url(world["regie_r"])).status_code == 200
    for screen in ("", "journal/", "journal/export.csv", "rapprochement/"):
        assert client.get(url(world["regie_a"], screen)).status_code == 404, screen


def test_a_regisseur_cannot_edit_their_regie_nor_create_one(client, world):
    client.force_login(world["regisseur"])

    assert client.get(url(world["regie_r"], "modifier/")).status_code == 403
    assert client.post(f"{BASE}nouvelle/", {"name": "X"}).status_code == 403
    assert client.get(f"{BASE}comptes/").status_code == 403
    assert 'id="edit_regie"' not in client.get(url(world["regie_r"])).content.decode()


def test_a_regisseur_reaches_no_other_dashboard_screen(client, world):
    client.force_login(world["regisseur"])

    for other in ("/dashboard/", "/dashboard/porte-monnaie/", "/dashboard/familles/comptes/"):
        assert client.get(other).status_code in (302, 403), other
    page = client.get(url(world["regie_r"], "journal/")).content.decode()
    assert "Relevé inter-régies" in page  # the menu shows the régie screens


def test_becoming_regisseur_opens_the_screens_and_leaving_closes_them(client, world):
    user = UserFactory()
    client.force_login(user)
    assert client.get(BASE).status_code == 403

    world["regie_a"].regisseurs.add(user)
    user = type(user).objects.get(pk=user.pk)  # permissions are cached per user object
    client.force_login(user)
    assert client.get(url(world["regie_a"])).status_code == 200

    world["regie_a"].regisseurs.remove(user)
    client.force_login(type(user).objects.get(pk=user.pk))
    assert client.get(BASE).status_code == 403


def test_a_regisseur_logging_in_lands_on_their_journal(client, world):
    assert client.get(f"{BASE}connexion/").status_code == 200
    response = client.post(
        f"{BASE}connexion/",
        {"username": world["regisseur"].email, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == url(world["regie_r"], "journal/")


def test_an_agent_reads_the_regies_of_their_communes_only(client, world):
    client.force_login(world["agent"])

    page = client.get(BASE).content.decode()
    assert world["regie_r"].name in page
    assert world["regie_a"].name not in page
    assert world["platform"].name not in page
    assert client.get(url(world["regie_r"], "journal/")).status_code == 200
    assert client.get(url(world["regie_a"])).status_code == 404
    assert client.get(url(world["regie_r"], "modifier/")).status_code == 403


def test_a_parent_has_no_access(client, world):
    client.force_login(ParentFactory())

    for screen in (BASE, url(world["regie_r"]), f"{BASE}releve-inter-regies/"):
        assert client.get(screen).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, world):
    response = client.get(url(world["regie_r"], "journal/"))

    assert response.status_code == 302
    assert "/dashboard/login/" in response["Location"]


# --- The administrator's forms ---------------------------------------------------------------


def regie_form(world, **changes):
    data = {
        "name": "Régie périscolaire de Rosières",
        "code": "peri-rosieres",
        "kind": RegieKind.SERVICES,
        "site": "",
        "commune": world["rosieres"].pk,
        "numbering_format": "PERI-{yyyy}-{n:05d}",
        "backend": world["regie_r"].backend_id,
        "regisseur_emails": world["regisseur"].email.upper(),
        "services": [world["canteen_r"].pk],
    }
    data.update(changes)
    return data


def test_an_administrator_creates_a_regie_with_its_regisseurs_and_services(client, world):
    client.force_login(AdministratorFactory())

    response = client.post(f"{BASE}nouvelle/", regie_form(world))

    regie = Regie.objects.get(code="peri-rosieres")
    assert response.status_code == 302
    assert list(regie.regisseurs.all()) == [world["regisseur"]]
    assert ServiceRegie.objects.get(service=world["canteen_r"]).regie == regie
    assert regie_ids_of_services([world["canteen_r"].pk]) == {world["canteen_r"].pk: regie.pk}
    assert regie.format_number(2030, 7) == "PERI-2030-00007"


@pytest.mark.parametrize(
    ("numbering_format", "message"),
    [
        ("PERI-{n:05d}", "Le format doit contenir l&#x27;année {yyyy} et le rang {n}."),
        ("PERI-{annee}-{n}", "Format inconnu : utilisez {yyyy}, {n} et {code}."),
    ],
)
def test_a_regie_with_a_bad_numbering_format_is_refused_in_french(
    client, world, numbering_format, message
):
    client.force_login(AdministratorFactory())

    response = client.post(f"{BASE}nouvelle/", regie_form(world, numbering_format=numbering_format))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Regie.objects.filter(code="peri-rosieres").exists()


def test_an_unknown_regisseur_email_is_refused(client, world):
    client.force_login(AdministratorFactory())

    response = client.post(
        f"{BASE}nouvelle/", regie_form(world, regisseur_emails="personne@example.org")
    )

    assert "Aucun compte n&#x27;a l&#x27;adresse personne@example.org" in response.content.decode()
    assert not Regie.objects.filter(code="peri-rosieres").exists()


def test_a_second_platform_regie_for_a_territory_is_refused(client, world):
    client.force_login(AdministratorFactory())

    response = client.post(
        f"{BASE}nouvelle/",
        regie_form(
            world, kind=RegieKind.PLATFORM, commune="", site=world["platform"].site_id or ""
        ),
    )

    assert "déjà une régie de la plateforme" in response.content.decode()


def test_an_administrator_edits_a_regie(client, world):
    client.force_login(AdministratorFactory())
    regie = world["regie_a"]
    data = regie_form(
        world,
        name="Régie des cantines d'Aiguilhe",
        code=regie.code,
        commune=regie.commune_id,
        regisseur_emails="",
        services=[],
    )

    response = client.post(url(regie, "modifier/"), data)

    assert response.status_code == 302
    regie.refresh_from_db()
    assert regie.name == "Régie des cantines d'Aiguilhe"
    assert not regie.regisseurs.exists()
    # Left out of the form, the service is still the régie's: a service always has one.
    assert ServiceRegie.objects.get(service=world["canteen_a"]).regie == regie


def test_an_administrator_creates_a_backend_account_with_json_options(client, world):
    client.force_login(AdministratorFactory())

    response = client.post(
        f"{BASE}comptes/nouveau/",
        {
            "name": "PayFiP Rosières",
            "kind": BackendKind.PAYFIP,
            "options": '{"numcli": "123456", "saisie": "T"}',
            "secret_setting": "",
            "minimum_amount": "1,00",
            "maximum_amount": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    backend = PaymentBackendAccount.objects.get(name="PayFiP Rosières")
    assert backend.options == {"numcli": "123456", "saisie": "T"}
    assert backend.minimum_amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"options": "{numcli: 1"}, "Saisissez un objet JSON valide"),
        ({"options": "[1, 2]"}, "Les paramètres sont un objet JSON entre accolades"),
        (
            {"minimum_amount": "10", "maximum_amount": "5"},
            "Le montant maximum doit être au moins le montant minimum.",
        ),
        ({"minimum_amount": "0"}, "Le montant minimum doit être positif."),
        (
            {"options": '{"numcli": "1", "secret_test": "abc"}'},
            "« secret_test » ressemble à un secret",
        ),
    ],
)
def test_a_bad_backend_account_is_refused_in_french(client, world, changes, message):
    client.force_login(AdministratorFactory())
    data = {
        "name": "Paybox",
        "kind": BackendKind.PAYBOX,
        "options": "{}",
        "minimum_amount": "1",
        **changes,
    }

    response = client.post(f"{BASE}comptes/nouveau/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PaymentBackendAccount.objects.filter(name="Paybox").exists()


# --- Screens and exports ---------------------------------------------------------------------


def test_the_journal_shows_the_days_movements_by_kind(client, world):
    money_of_the_day(world)
    client.force_login(world["regisseur"])

    page = client.get(url(world["regie_r"], "journal/"), {"date": "2030-03-04"}).content.decode()

    assert "Porte-monnaie tous services" in page
    assert "Paiement par carte" in page
    assert "CMD-1" in page and "CMD-2" in page
    assert "1\u202f237,80\xa0€" in page or "1 237,80" in page  # booked revenue
    assert 'href="?date=2030-03-03"' in page and 'href="?date=2030-03-05"' in page


def test_the_journal_defaults_to_today_in_paris(client, world):
    # 23:30 UTC on the 3rd is already the 4th in Paris.
    with time_machine.travel(datetime.datetime(2030, 3, 3, 23, 30, tzinfo=datetime.UTC)):
        client.force_login(world["regisseur"])
        page = client.get(url(world["regie_r"], "journal/")).content.decode()

    assert "Journal du 04/03/2030" in page


def test_the_journal_exports_for_a_french_excel(client, world):
    money_of_the_day(world)
    client.force_login(world["regisseur"])

    response = client.get(url(world["regie_r"], "journal/export.csv"), {"date": "2030-03-04"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="journal-' in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Date;Heure;Nature;Référence;N° de quittance;Famille;Mode de paiement;Montant;Par;Rôle"
    )
    rows = sorted(line.split(";") for line in lines[1:])
    assert rows == [
        [
            "04/03/2030",
            "12:00:00",
            "Paiement par carte",
            "CMD-2",
            "",
            "'=Léa Martin",  # the family of the card payment
            "Carte (passerelle de test)",
            "1234,50",
            "",
            "Usager",
        ],
        [
            "04/03/2030",
            "12:00:00",
            "Porte-monnaie tous services",
            "CMD-1",
            "",
            # A name typed as a formula stays text in Excel.
            "'=Léa Martin",
            "Porte-monnaie",
            "3,30",
            "'=Léa Martin",
            "Usager",
        ],
    ]


def test_the_reconciliation_balances_on_screen_and_in_its_export(client, world):
    money_of_the_day(world)
    client.force_login(world["regisseur"])
    period = {"start": "2030-03-01", "end": "2030-03-31"}

    page = client.get(url(world["regie_r"], "rapprochement/"), period).content.decode()
    export = client.get(url(world["regie_r"], "rapprochement/export.csv"), period)

    assert "La période est équilibrée au centime." in page
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[0] == "Contrôle"
    checks = {line.split(";")[0]: line.split(";") for line in lines[1:]}
    assert checks["c1"][3] == "1237,80" and checks["c1"][5] == "1237,80"
    assert checks["c1"][-1] == "Juste"
    assert checks["d"][-1] == "Non fait"  # no share: these orders did not go through checkout


def test_a_period_ending_before_it_starts_is_refused(client, world):
    client.force_login(world["regisseur"])

    page = client.get(
        url(world["regie_r"], "rapprochement/"), {"start": "2030-03-05", "end": "2030-03-01"}
    ).content.decode()

    assert "La fin de la période précède son début." in page


def test_the_inter_regie_statement_and_its_export(client, world):
    money_of_the_day(world)
    client.force_login(AdministratorFactory())
    period = {"start": "2030-03-04", "end": "2030-03-04"}

    page = client.get(f"{BASE}releve-inter-regies/", period).content.decode()
    export = client.get(f"{BASE}releve-inter-regies/export.csv", period)

    assert world["regie_r"].name in page
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Régie qui doit (plateforme);Régie à qui est dû")
    assert lines[1].split(";") == [
        world["platform"].name,
        world["regie_r"].name,
        "3,30",
        "0,00",
        "3,30",
    ]
    assert lines[-1] == "Total;;;;3,30"


def test_the_other_regisseur_sees_nothing_of_rosieres_in_the_statement(client, world):
    money_of_the_day(world)
    client.force_login(world["other_regisseur"])

    export = client.get(
        f"{BASE}releve-inter-regies/export.csv", {"start": "2030-03-04", "end": "2030-03-04"}
    )

    assert export.content.decode("utf-8-sig").splitlines()[1:] == ["Total;;;;0,00"]
