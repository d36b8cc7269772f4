import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from oscar.core.loading import get_model
from wagtail.models import GroupPagePermission, Page, Site

from accounts.models import User
from accounts.roles import AGENTS, OFFICERS, PARENTS
from config.demo import DEMO_PASSWORD
from reservations.models import (
    AccessDocument,
    AccessEvent,
    AccessRequirements,
    AccessStatus,
    Beneficiary,
    ServiceAccess,
)

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

# Written out from the seed guides rather than imported from config.demo, so a typo in the demo
# table fails here.
SEED_002 = {
    "aiguilhe": {
        "Garderie périscolaire d'Aiguilhe": {
            "1er enfant à la garderie": Decimal("1.50"),
            "2ème enfant à la garderie": Decimal("1.20"),
            "3ème enfant à la garderie": Decimal("1.00"),
            "Usager": Decimal("2.00"),
        },
    },
    "allegre": {
        "Restaurant scolaire d'Allègre": {
            "Réservation pour adultes": Decimal("5.80"),
            "Réservation pour enfants": Decimal("3.40"),
        },
    },
    "bains": {
        "Cantine de Bains": {
            "Réservation repas adultes": Decimal("5.50"),
            "Réservation repas enfants": Decimal("3.20"),
        },
    },
    "rosieres": {
        "Accueil de loisirs de Rosières": {
            "Inscription accueil de loisirs résident commune": Decimal("8.00"),
            "Inscription accueil de loisirs résident hors-commune": Decimal("12.00"),
        },
        "Cantine de Rosières": {
            "Réservation cantine pour adultes": Decimal("5.90"),
            "Réservation cantine pour enfants": Decimal("3.30"),
        },
    },
}
SEED_004 = {
    "saint-marcel-en-dombes": {
        "Cantine de Saint-Marcel-en-Dombes": {"Réservation repas cantine": Decimal("3.90")},
    },
    "baneins": {"Garderie de Baneins": {"Garderie périscolaire": Decimal("1.80")}},
}
COMMUNE_NAMES = {
    "aiguilhe": "Aiguilhe",
    "allegre": "Allègre",
    "bains": "Bains",
    "rosieres": "Rosières",
    "saint-marcel-en-dombes": "Saint-Marcel-en-Dombes",
    "baneins": "Baneins",
}


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def catalogue_of(partner: Partner) -> dict[str, dict[str, Decimal]]:
    """{service title: {option title: price}} as the commune's stock records sell it."""
    catalogue: dict[str, dict[str, Decimal]] = {}
    for record in partner.stockrecords.select_related("product__parent"):
        service = record.product.parent
        catalogue.setdefault(service.title, {})[record.product.title] = record.price
    return catalogue


def row_counts() -> dict[str, int]:
    models = [Partner, Product, StockRecord, User, Group, Beneficiary, Site, Page]
    models += [AccessRequirements, ServiceAccess, AccessDocument, AccessEvent]
    counts = {model._meta.label: model.objects.count() for model in models}
    counts["GroupPagePermission"] = GroupPagePermission.objects.count()
    return counts


def test_running_the_seed_twice_leaves_the_same_data(demo_world):
    first = row_counts()

    seed_demo()

    assert row_counts() == first
    assert all(first.values()), first


@pytest.mark.parametrize("seed", [SEED_002, SEED_004], ids=["seed_002", "seed_004"])
def test_each_commune_sells_exactly_the_services_and_tariffs_of_the_seed_guides(demo_world, seed):
    for code, services in seed.items():
        partner = Partner.objects.get(code=code)
        assert partner.name == COMMUNE_NAMES[code]
        assert catalogue_of(partner) == services


def test_services_are_parent_products_of_a_class_with_no_shipping_and_no_stock(demo_world):
    services = Product.objects.filter(structure=Product.PARENT)
    assert services.count() == 7
    for service in services:
        assert service.product_class.name == "Service communal"
        assert not service.product_class.requires_shipping
        assert not service.product_class.track_stock
        assert not service.stockrecords.exists()
    for record in StockRecord.objects.select_related("product"):
        assert record.product.is_child
        assert record.num_in_stock is None
        assert record.price_currency == "EUR"


def test_each_agent_works_for_exactly_their_commune_in_the_agents_group(demo_world):
    for code, name in COMMUNE_NAMES.items():
        agent = User.objects.get(email=f"agent.{code}@portail-famille.test")
        assert list(agent.partners.all()) == [Partner.objects.get(code=code)]
        assert agent.groups.filter(name=AGENTS).exists()
        assert (agent.first_name, agent.last_name, agent.is_staff) == ("Agent", name, False)
        assert agent.has_perm("partner.dashboard_access")


def test_the_parent_is_validated_and_has_two_children(demo_world):
    parent = User.objects.get(email="claire.martin@example.org")
    admin = User.objects.get(email="admin@portail-famille.test")
    assert parent.is_validated
    assert parent.validated_by == admin
    assert parent.terms_accepted_at is not None
    assert parent.groups.filter(name=PARENTS).exists()
    assert parent.check_password(DEMO_PASSWORD)
    children = [
        (child.first_name, child.last_name, str(child.birth_date), child.school_class)
        for child in parent.beneficiaries.all()
    ]
    assert children == [
        ("Léa", "Martin", "2017-03-14", "CE2"),
        ("Hugo", "Martin", "2020-09-02", "GS"),
    ]


def test_the_administrator_is_a_validated_superuser(demo_world):
    admin = User.objects.get(email="admin@portail-famille.test")
    assert admin.is_superuser and admin.is_staff and admin.is_validated


def test_a_rerun_keeps_a_password_the_user_changed(demo_world):
    parent = User.objects.get(email="claire.martin@example.org")
    parent.set_password("Un-Autre-Secret-2026!")
    parent.save()

    seed_demo()

    parent.refresh_from_db()
    assert parent.check_password("Un-Autre-Secret-2026!")


def test_the_two_sites_are_served_by_their_live_home_pages(demo_world):
    puy = Site.objects.get(hostname="127.0.0.1", port=8000)
    dombes = Site.objects.get(hostname="dombes.localhost", port=8000)
    assert puy.site_name == "Communauté d'agglomération du Puy-en-Velay"
    assert dombes.site_name == "Dombes"
    assert list(Site.objects.filter(is_default_site=True)) == [puy]
    for site in (puy, dombes):
        home = site.root_page.specific
        assert type(home).__name__ == "HomePage"
        assert home.live and home.intro
        assert home.depth == 2


def test_wagtails_welcome_page_and_its_localhost_site_are_removed(demo_world):
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    assert not Site.objects.filter(hostname="localhost").exists()


def test_the_officer_edits_the_rosieres_pages_only(demo_world):
    officer = User.objects.get(email="redaction@portail-famille.test")
    assert officer.groups.filter(name=OFFICERS).exists()
    assert officer.has_perm("wagtailadmin.access_admin")
    # The Rédacteurs role opens the admin; the pages come from the commune's group alone.
    assert not GroupPagePermission.objects.filter(group__name=OFFICERS).exists()
    assert officer.groups.filter(name="Rédaction Rosières").exists()
    rosieres = Page.objects.get(slug="rosieres", depth=3)
    granted = GroupPagePermission.objects.filter(group__name="Rédaction Rosières")
    assert {(p.page_id, p.permission.codename) for p in granted} == {
        (rosieres.pk, "add_page"),
        (rosieres.pk, "change_page"),
        (rosieres.pk, "publish_page"),
    }
    canteen = Page.objects.get(slug="cantine-de-rosieres").specific
    assert canteen.permissions_for_user(officer).can_edit()
    assert canteen.permissions_for_user(officer).can_publish()
    puy_home = Site.objects.get(hostname="127.0.0.1").root_page
    dombes_home = Site.objects.get(hostname="dombes.localhost").root_page
    aiguilhe = Page.objects.get(slug="aiguilhe", depth=3)
    for elsewhere in (puy_home, aiguilhe, dombes_home):
        assert not elsewhere.permissions_for_user(officer).can_edit(), elsewhere


def test_the_demo_password_satisfies_the_password_policy():
    validate_password(DEMO_PASSWORD)


def test_the_command_output_lists_the_logins_and_the_password(demo_world):
    output = demo_world

    emails = [
        "admin@portail-famille.test",
        "claire.martin@example.org",
        "redaction@portail-famille.test",
        *(f"agent.{code}@portail-famille.test" for code in COMMUNE_NAMES),
    ]
    for email in emails:
        assert email in output
    assert DEMO_PASSWORD in output
    for url in ("http://127.0.0.1:8000/", "http://dombes.localhost:8000/", "/api/docs/"):
        assert url in output


def test_the_agent_of_rosieres_finds_an_account_and_requests_in_every_queue(demo_world):
    rosieres = ServiceAccess.objects.filter(commune__code="rosieres")
    assert set(rosieres.values_list("status", flat=True)) == {
        AccessStatus.ACCEPTED,
        AccessStatus.PENDING,
    }
    pending = rosieres.get(status=AccessStatus.PENDING)
    assert not pending.account.is_validated
    assert pending.documents.count() == 2
    assert pending.family_quotient == Decimal("616.67")  # 18 500 / 12 / 2.5
    accepted = rosieres.get(status=AccessStatus.ACCEPTED)
    assert accepted.tariff_bracket
    assert accepted.beneficiaries.count() == 2


def test_each_tariff_option_says_which_documents_it_needs(demo_world):
    adults = AccessRequirements.objects.get(tariff_option__upc="rosieres-cantine-adultes")
    children = AccessRequirements.objects.get(tariff_option__upc="rosieres-cantine-enfants")
    assert (adults.required_documents, adults.requires_tax_figures) == (["proof_of_address"], False)
    assert children.requires_tax_figures
    assert set(children.required_documents) == {"proof_of_address", "family_quotient"}
