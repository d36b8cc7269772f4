"""The demo's régies: each territory's platform régie, one régie per commune service group, the
test gateway and a PayFiP account, and the régisseurs who log in to them."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from oscar.core.loading import get_model
from wagtail.models import Site

from accounts.models import User
from config.demo import DEMO_PASSWORD as PASSWORD
from config.demo import REGISSEUR_LOGIN
from wallet.gateways import gateway_for
from wallet.gateways.eopayment import EopaymentGateway
from wallet.models import (
    AccountKind,
    BackendKind,
    LedgerAccount,
    PaymentBackendAccount,
    Regie,
    RegieKind,
    ServiceRegie,
)
from wallet.regies import platform_regie, regie_ids_of_services

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fakes.payfip_fixtures"]

PUY = ("127.0.0.1", 8000)
DOMBES = ("dombes.localhost", 8000)
# Written out rather than imported from config.demo, so a slip in the demo's table fails here.
REGIES_OF_SERVICES = {
    "aiguilhe-garderie": "Régie périscolaire d'Aiguilhe",
    "allegre-restaurant-scolaire": "Régie de restauration scolaire d'Allègre",
    "bains-cantine": "Régie cantine de Bains",
    "rosieres-cantine": "Régie cantine de Rosières",
    "rosieres-accueil-loisirs": "Régie périscolaire de Rosières",
    "saint-marcel-en-dombes-cantine": "Régie cantine de Saint-Marcel-en-Dombes",
    "baneins-garderie": "Régie périscolaire de Baneins",
}
REGISSEURS = {
    "regisseur.rosieres@portail-famille.test": {
        "Régie cantine de Rosières",
        "Régie périscolaire de Rosières",
    },
    "regisseur.plateforme@portail-famille.test": {
        "Régie de la plateforme — Agglomération du Puy-en-Velay"
    },
    "regisseur.dombes@portail-famille.test": {
        "Régie de la plateforme — Dombes",
        "Régie cantine de Saint-Marcel-en-Dombes",
        "Régie périscolaire de Baneins",
    },
}


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def site(hostname_port) -> Site:
    hostname, port = hostname_port
    return Site.objects.get(hostname=hostname, port=port)


def regie_counts() -> dict[str, int]:
    counts = {
        model._meta.label: model.objects.count()
        for model in (PaymentBackendAccount, Regie, ServiceRegie, User)
    }
    counts["régisseurs"] = Regie.regisseurs.through.objects.count()
    return counts


def test_every_service_is_collected_by_the_regie_of_its_group(demo_world):
    services = Product.objects.filter(structure=Product.PARENT)
    assert {
        service.upc: service.regie_link.regie.name for service in services
    } == REGIES_OF_SERVICES
    # The map the checkout reads says the same.
    mapping = regie_ids_of_services([service.pk for service in services])
    assert {
        service.upc: Regie.objects.get(pk=mapping[service.pk]).name for service in services
    } == REGIES_OF_SERVICES


def test_a_services_regie_belongs_to_the_commune_selling_the_service(demo_world):
    for link in ServiceRegie.objects.select_related("regie", "service"):
        communes = set(
            StockRecord.objects.filter(product__parent=link.service).values_list(
                "partner", flat=True
            )
        )
        assert communes == {link.regie.commune_id}, link
        assert link.regie.kind == RegieKind.SERVICES


def test_each_territory_has_one_platform_regie_holding_the_general_pot(demo_world):
    puy, dombes = site(PUY), site(DOMBES)
    platform = Regie.objects.filter(kind=RegieKind.PLATFORM)
    assert {(regie.site, regie.name) for regie in platform} == {
        (puy, "Régie de la plateforme — Agglomération du Puy-en-Velay"),
        (dombes, "Régie de la plateforme — Dombes"),
    }
    assert platform_regie(puy).site == puy
    assert platform_regie(dombes).site == dombes
    for regie in platform:
        assert regie.commune is None
        assert not regie.service_links.exists()


def test_the_services_regies_of_each_territory_are_on_its_site(demo_world):
    puy_communes = {"aiguilhe", "allegre", "bains", "rosieres"}
    for regie in Regie.objects.filter(kind=RegieKind.SERVICES).select_related("commune"):
        expected = site(PUY) if regie.commune.code in puy_communes else site(DOMBES)
        assert regie.site == expected, regie


def test_rosieres_has_two_regies_and_each_other_commune_one(demo_world):
    per_commune = {
        partner.code: set(partner.regies.values_list("name", flat=True))
        for partner in Partner.objects.all()
    }
    assert per_commune == {
        "aiguilhe": {"Régie périscolaire d'Aiguilhe"},
        "allegre": {"Régie de restauration scolaire d'Allègre"},
        "bains": {"Régie cantine de Bains"},
        "rosieres": {"Régie cantine de Rosières", "Régie périscolaire de Rosières"},
        "saint-marcel-en-dombes": {"Régie cantine de Saint-Marcel-en-Dombes"},
        "baneins": {"Régie périscolaire de Baneins"},
    }


def test_the_rosieres_canteen_is_paid_through_payfip_and_the_others_on_the_test_gateway(
    demo_world,
):
    canteen = Regie.objects.get(name="Régie cantine de Rosières")
    assert canteen.backend.kind == BackendKind.PAYFIP
    assert canteen.backend.options["saisie"] == "T"  # test payments only
    assert len(canteen.backend.options["numcli"]) == 6
    # Against the fake PayFiP on this machine, never the Treasury's servers.
    assert canteen.backend.options["payfip_base_url"].startswith("http://127.0.0.1:")
    assert EopaymentGateway(canteen.backend).is_test
    assert (canteen.backend.minimum_amount, canteen.backend.maximum_amount) == (
        Decimal("1.00"),
        Decimal("100000.00"),
    )
    assert canteen.format_number(2026, 7) == "CAN-ROS-2026-000007"
    others = Regie.objects.exclude(pk=canteen.pk)
    assert {regie.backend.name for regie in others} == {"Passerelle de test"}
    assert {regie.backend.kind for regie in others} == {BackendKind.OFFLINE}


def test_the_demo_payfip_account_asks_the_fake_payfip_for_a_payment(demo_world, fake_payfip):
    backend = Regie.objects.get(name="Régie cantine de Rosières").backend
    # The demo's fake listens on a fixed port, which another run may hold here: this one's.
    backend.options = {**backend.options, "payfip_base_url": fake_payfip.url}

    created = gateway_for(backend).create_payment(
        amount=Decimal("3.30"),
        reference="card-payment:1",
        description="Cantine de Rosières",
        idempotency_key="demo-payfip",
        email="claire.martin@example.org",
    )

    sent = fake_payfip.last_request()
    assert (sent["numcli"], sent["saisie"], sent["montant"]) == (
        backend.options["numcli"],
        "T",
        "330",
    )
    assert created.redirect_url.startswith(f"{fake_payfip.url}/tpa/paiementws.web?idop=")


def test_no_backend_account_stores_a_secret(demo_world):
    from wallet.admin import secret_options

    for backend in PaymentBackendAccount.objects.all():
        assert secret_options(backend.options) == [], backend


def test_the_regisseurs_are_listed_by_their_regies_and_by_no_commune(demo_world):
    for email, regie_names in REGISSEURS.items():
        user = User.objects.get(email=email)
        assert set(user.regies.values_list("name", flat=True)) == regie_names
        assert user.check_password("Portail-Demo-2026!")
        assert not user.is_staff and not user.is_superuser
        assert not user.partners.exists()  # no agent of a commune
        assert not user.groups.exists()
        # The régie screens' permission, given for being listed by a régie; no other.
        assert user.has_perm("wallet.view_regie")
        assert not user.has_perm("partner.dashboard_access")


def test_reseeding_takes_back_the_agents_dashboard_access_an_early_seed_gave(demo_world):
    regisseur = User.objects.get(email="regisseur.rosieres@portail-famille.test")
    regisseur.user_permissions.add(Permission.objects.get(codename="dashboard_access"))

    seed_demo()

    regisseur = User.objects.get(pk=regisseur.pk)
    assert not regisseur.has_perm("partner.dashboard_access")
    assert regisseur.has_perm("wallet.view_regie")


def test_a_regisseur_logs_in_where_the_demo_says_and_lands_on_their_regies(demo_world, client):
    login = reverse("wallet-dashboard:regie-login")
    assert login == REGISSEUR_LOGIN
    platform = Regie.objects.get(code="plateforme-puy")

    response = client.post(
        login, {"username": "regisseur.plateforme@portail-famille.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    journal = reverse("wallet-dashboard:regie-journal", kwargs={"pk": platform.pk})
    assert response["Location"] == journal
    assert client.get(journal).status_code == 200
    client.logout()

    response = client.post(
        login, {"username": "regisseur.rosieres@portail-famille.test", "password": PASSWORD}
    )

    assert response["Location"] == reverse("wallet-dashboard:regie-list")
    page = client.get(response["Location"]).content.decode()
    assert "Régie cantine de Rosières" in page
    assert "Régie périscolaire de Rosières" in page
    assert "Régie cantine de Bains" not in page


def test_the_command_output_lists_the_regisseurs(demo_world):
    for email in REGISSEURS:
        assert email in demo_world
    assert "Régie cantine de Rosières" in demo_world


def test_reseeding_changes_no_regie_link_or_regisseur(demo_world):
    first = regie_counts()
    links = dict(ServiceRegie.objects.values_list("service_id", "regie_id"))

    seed_demo()

    assert regie_counts() == first
    assert dict(ServiceRegie.objects.values_list("service_id", "regie_id")) == links


def test_reseeding_moves_a_service_attached_elsewhere_back_to_its_regie(demo_world):
    """A database seeded before the demo had régies: both Rosières services went to one
    "Régie de Rosières" (wallet.receivers), with the holiday club's accounts there too."""
    holiday_club = Product.objects.get(upc="rosieres-accueil-loisirs")
    canteen_regie = Regie.objects.get(name="Régie cantine de Rosières")
    ServiceRegie.objects.filter(service=holiday_club).update(regie=canteen_regie)
    revenue = LedgerAccount.objects.create(
        kind=AccountKind.SERVICE_REVENUE,
        service=holiday_club,
        system_key="service_revenue:test-moved",
        regie=canteen_regie,
    )

    seed_demo()

    club_regie = Regie.objects.get(name="Régie périscolaire de Rosières")
    assert ServiceRegie.objects.get(service=holiday_club).regie == club_regie
    revenue.refresh_from_db()
    assert revenue.regie == club_regie


def test_reseeding_adopts_the_regies_made_before_the_demo_had_any(demo_world):
    """What wallet.regies made on its own (a platform régie without territory, "Régie de
    Rosières" coded as the commune) becomes the demo's régie instead of staying beside it."""
    platform = Regie.objects.get(site=site(PUY), kind=RegieKind.PLATFORM)
    platform.site, platform.code, platform.name = None, "plateforme", "Régie de la plateforme"
    platform.save()
    canteen = Regie.objects.get(code="rosieres-cantine")
    canteen.code, canteen.name = "rosieres", "Régie de Rosières"
    canteen.save()
    count = Regie.objects.count()

    seed_demo()

    assert Regie.objects.count() == count
    platform.refresh_from_db()
    assert (platform.site, platform.name) == (
        site(PUY),
        "Régie de la plateforme — Agglomération du Puy-en-Velay",
    )
    canteen.refresh_from_db()
    assert (canteen.code, canteen.name) == ("rosieres-cantine", "Régie cantine de Rosières")
