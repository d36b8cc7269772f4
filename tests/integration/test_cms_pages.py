"""The page models: where each type may live, the live facts of a service page, the week of
menus; the demo's pages, groups and workflow; every page renders as server HTML."""

from datetime import date
from decimal import Decimal
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils.html import escape
from oscar.core.loading import get_model
from wagtail.admin.panels import get_edit_handler
from wagtail.models import GroupPagePermission, Page, Site

from cms.allergens import Allergen
from cms.demo import seed_cms_content
from cms.facts import FACTS_PREFETCH, service_facts
from cms.models import (
    CommunePage,
    ContentPage,
    HomePage,
    MenuPage,
    NewsIndexPage,
    NewsPage,
    ServicePage,
)
from reservations import catalogue
from reservations.models import ServiceCalendar
from reservations.rules import describe_rule
from tests.factories import PartnerFactory
from tests.shop_data import make_service

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

REGULATION_SECTIONS = (
    "Inscriptions",
    "Réservations et annulations",
    "Tarifs et paiement",
    "PAI",
    "Comportement",
)


@pytest.fixture
def demo_world():
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def home():
    return Page.get_first_root_node().add_child(instance=HomePage(title="Territoire", slug="t"))


def add_commune(home, name="Rosières") -> CommunePage:
    partner = PartnerFactory(name=name)
    return home.add_child(
        instance=CommunePage(
            title=name,
            slug=partner.code,
            partner=partner,
            address="1 place",
            postcode="43800",
            city=name,
        )
    )


# --- Where each page type lives --------------------------------------------------------------


def test_page_types_nest_as_territory_commune_service_menu(home):
    commune = add_commune(home)
    product, _ = make_service(commune.partner, "Cantine", {"Enfants": "3.30"})
    service = commune.add_child(
        instance=ServicePage(title="Cantine", slug="cantine", product=product)
    )
    news_index = home.add_child(instance=NewsIndexPage(title="Actualités", slug="actualites"))

    allowed = {
        (CommunePage, home),
        (NewsIndexPage, home),
        (ContentPage, home),
        (ServicePage, commune),
        (ContentPage, commune),
        (MenuPage, service),
        (NewsPage, news_index),
    }
    for model in (CommunePage, ServicePage, MenuPage, NewsIndexPage, NewsPage):
        for parent in (home, commune, service, news_index):
            if model is NewsIndexPage and parent is commune:
                continue  # a commune may have its own news too
            expected = (model, parent) in allowed
            assert model.can_create_at(parent) is expected, (model.__name__, parent.title)


# --- The live facts of a service page --------------------------------------------------------


def test_service_facts_are_the_catalogues_tariff_options_and_prices(home):
    commune = add_commune(home)
    service, _ = make_service(
        commune.partner, "Cantine de Rosières", {"Enfants": "3.30", "Adultes": "5.90"}
    )

    facts = service_facts(service)

    assert [(o["title"], o["price"]) for o in facts["options"]] == [
        ("Adultes", Decimal("5.90")),
        ("Enfants", Decimal("3.30")),
    ]
    # What booking offers (the catalogue behind /api/services/), option by option.
    offered = catalogue.service(service.pk)
    assert [(o["id"], o["title"], o["price"]) for o in facts["options"]] == [
        (option.id, option.title, option.price) for option in offered.options
    ]
    # No calendar yet: no deadline to show.
    assert facts["booking_deadline"] is None
    assert facts["cancellation_deadline"] is None


def test_service_facts_show_the_deadlines_the_booking_rules_apply(home):
    commune = add_commune(home)
    service, _ = make_service(commune.partner, "Cantine de Rosières", {"Enfants": "3.30"})
    calendar = ServiceCalendar.objects.create(
        service=service,
        booking_rule_kind="weekday_of_previous_week",
        booking_rule_params={"weekday": 2, "at": "23:59"},
        cancellation_rule_kind="days_before",
        cancellation_rule_params={"days": 2, "working_days": True, "at": "10:00"},
    )

    facts = service_facts(service)

    assert facts["booking_deadline"] == "le mardi de la semaine précédente, à 23:59"
    assert facts["cancellation_deadline"] == "2 jours ouvrés avant, à 10:00"
    # The same rule objects the server checks at booking and cancellation time.
    assert facts["booking_deadline"] == describe_rule(calendar.booking_rule)
    assert facts["cancellation_deadline"] == describe_rule(calendar.cancellation_rule)


def test_service_facts_follow_a_price_change_at_once(home):
    commune = add_commune(home)
    service, [child] = make_service(commune.partner, "Cantine", {"Enfants": "3.30"})
    page = commune.add_child(instance=ServicePage(title="Cantine", slug="c", product=service))
    record = child.stockrecords.get()
    record.price = Decimal("3.45")
    record.save()

    assert ServicePage.objects.get(pk=page.pk).facts()["options"][0]["price"] == Decimal("3.45")


def test_service_facts_leave_out_what_cannot_be_booked(home):
    commune = add_commune(home)
    service, [hidden, unpriced, offered] = make_service(
        commune.partner, "Garderie", {"Caché": "1.00", "Sans prix": "1.10", "Matin": "1.20"}
    )
    hidden.is_public = False
    hidden.save()
    unpriced.stockrecords.all().delete()

    assert [o["title"] for o in service_facts(service)["options"]] == ["Matin"]

    service.is_public = False
    service.save()

    assert service_facts(service)["options"] == []


def test_prefetched_service_facts_read_nothing_more(home, django_assert_num_queries):
    commune = add_commune(home)
    for n in range(3):
        service, _ = make_service(commune.partner, f"Service {n}", {"A": "1.00", "B": "2.00"})
        commune.add_child(instance=ServicePage(title=f"S{n}", slug=f"s{n}", product=service))
    pages = list(ServicePage.objects.select_related("product").prefetch_related(*FACTS_PREFETCH))

    with django_assert_num_queries(0):
        assert all(len(page.facts()["options"]) == 2 for page in pages)


def test_a_service_page_without_a_service_has_no_facts():
    assert ServicePage(title="Sans service").facts() is None


def test_the_service_page_form_offers_only_the_services_of_its_commune(home):
    rosieres, aiguilhe = add_commune(home, "Rosières"), add_commune(home, "Aiguilhe")
    canteen, _ = make_service(rosieres.partner, "Cantine de Rosières", {"Enfants": "3.30"})
    make_service(aiguilhe.partner, "Garderie d'Aiguilhe", {"Usager": "2.00"})
    form_class = get_edit_handler(ServicePage).get_form_class()

    form = form_class(instance=ServicePage(), parent_page=rosieres, for_user=None)

    assert list(form.fields["product"].queryset) == [canteen]


# --- Menus -----------------------------------------------------------------------------------


def menu(week_start, *dates):
    return MenuPage(
        title="Menus",
        slug="menus",
        week_start=week_start,
        days=[
            {"type": "day", "value": {"date": d.isoformat(), "dishes": [{"name": "Riz"}]}}
            for d in dates
        ],
    )


def test_a_week_of_menus_starts_on_a_monday():
    with pytest.raises(ValidationError) as error:
        menu(date(2026, 1, 13)).clean()  # a Tuesday

    assert "week_start" in error.value.message_dict


@pytest.mark.parametrize(
    "dates",
    [(date(2026, 1, 12), date(2026, 1, 19)), (date(2026, 1, 13), date(2026, 1, 13))],
    ids=["a day of the next week", "the same day twice"],
)
def test_each_day_of_a_menu_falls_once_in_its_week(dates):
    with pytest.raises(ValidationError) as error:
        menu(date(2026, 1, 12), *dates).clean()

    assert "days" in error.value.message_dict


def test_a_week_of_menus_from_monday_to_friday_is_valid():
    week = menu(date(2026, 1, 12), *(date(2026, 1, day) for day in range(12, 17)))

    week.clean()

    assert week.week_end == date(2026, 1, 18)


def test_the_fourteen_regulated_allergens_are_named_in_french():
    assert len(Allergen) == 14
    assert Allergen.SULPHITES.label == "Anhydride sulfureux et sulfites"
    assert Allergen.NUTS.label == "Fruits à coque"
    assert Allergen.EGGS.label == "Œufs"


# --- The demo's pages ------------------------------------------------------------------------


def test_the_demo_has_a_page_per_commune_linked_to_its_partner(demo_world):
    for partner in Partner.objects.all():
        page = CommunePage.objects.get(partner=partner)
        assert page.live and page.title == partner.name
        assert page.address and page.postcode and page.phone and page.opening_hours


def test_the_demo_has_a_page_per_service_with_its_regulation(demo_world):
    services = Product.objects.filter(structure=Product.PARENT)

    for service in services:
        [page] = ServicePage.objects.filter(product=service)
        assert page.live and page.title == service.title
        commune = page.get_parent().specific
        assert service.children.filter(stockrecords__partner=commune.partner).exists()
        for section in REGULATION_SECTIONS:
            assert section in page.regulation, (page.title, section)
        assert page.facts()["options"]


def test_the_demo_has_a_week_of_menus_at_rosieres_canteen(demo_world):
    [week] = MenuPage.objects.all()

    assert week.get_parent().specific.product.upc == "rosieres-cantine"
    assert week.week_start.weekday() == 0
    days = [day.value for day in week.days]
    assert [d["date"].weekday() for d in days] == [0, 1, 2, 3, 4]
    for day in days:
        assert 3 <= len(day["dishes"]) <= 4
    allergens = {code for day in days for dish in day["dishes"] for code in dish["allergens"]}
    assert {Allergen.GLUTEN, Allergen.MILK, Allergen.EGGS, Allergen.FISH} <= allergens


def test_the_demo_has_a_news_item_per_site(demo_world):
    for site in Site.objects.all():
        news = NewsPage.objects.live().descendant_of(site.root_page)
        assert news.count() == 1, site.site_name


def test_the_demo_has_an_officers_group_per_commune_on_its_page_only(demo_world):
    for commune in CommunePage.objects.all():
        group = Group.objects.get(name=f"Rédaction {commune.title}")
        granted = GroupPagePermission.objects.filter(group=group)
        assert {(p.page_id, p.permission.codename) for p in granted} == {
            (commune.pk, "add_page"),
            (commune.pk, "change_page"),
            (commune.pk, "publish_page"),
        }
        assert group.permissions.filter(codename="access_admin").exists()
        assert group.collection_permissions.filter(collection__name=commune.title).count() == 6


def test_a_rerun_of_the_seed_keeps_what_an_officer_edited(demo_world):
    rosieres = CommunePage.objects.get(slug="rosieres")
    rosieres.opening_hours = "Fermé pour travaux"
    rosieres.save_revision().publish()

    seed_cms_content()

    rosieres.refresh_from_db()
    assert rosieres.opening_hours == "Fermé pour travaux"


# --- Server-rendered pages -------------------------------------------------------------------


def test_every_page_of_the_demo_renders(client, demo_world):
    for page in Page.objects.live().filter(depth__gt=1).specific():
        url = urlsplit(page.full_url)
        response = client.get(url.path, HTTP_HOST=url.netloc)
        assert response.status_code == 200, page.url_path
        assert escape(page.title) in response.content.decode(), page.url_path


def test_the_service_page_shows_its_prices_and_the_menu_its_allergens(client, demo_world):
    canteen = ServicePage.objects.get(slug="cantine-de-rosieres")
    host = "127.0.0.1:8000"

    service_html = client.get(urlsplit(canteen.full_url).path, HTTP_HOST=host).content.decode()
    menu_page = MenuPage.objects.child_of(canteen).get()
    menu_html = client.get(urlsplit(menu_page.full_url).path, HTTP_HOST=host).content.decode()

    # As wallet.money.euros writes French amounts: a no-break space before €.
    assert "3,30\u00a0€" in service_html and "5,90\u00a0€" in service_html
    assert "Règlement intérieur" in service_html
    assert "Carottes râpées à la vinaigrette (Moutarde)" in menu_html
