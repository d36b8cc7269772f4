"""Quittances: one PDF receipt per paid régie share of an order, for the parent who paid it (the
parent site and the API) and for the régie's régisseurs, its commune's agents and the
administrators (the dashboard). Anyone else, and a share not paid yet, get a 404.

The orders are placed by the real checkout, paid from the porte-monnaie. Each régie's share is
the one the checkout wrote, or, before the checkout split per régie wrote them, one written
here as it would (paid, numbered from the régie's sequence inside a transaction)."""

import re
import socket
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop import receipts
from shop.checkout import checkout
from shop.selectors.receipts import receipts_for_staff, receipts_of_parent, visible_receipts
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    ParentFactory,
    PartnerFactory,
    UserFactory,
)
from tests.reservations_factories import BeneficiaryFactory
from wallet.models import (
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    Regie,
    RegieShare,
    ServiceRegie,
    ShareStatus,
)
from wallet.money import euros
from wallet.numbering import allocate_number
from wallet.regies import platform_backend

pytestmark = pytest.mark.django_db


MAX_RECEIPT_QUERIES = 8


# --- Builders ---------------------------------------------------------------------------------


def regie_of(service) -> Regie:
    return ServiceRegie.objects.select_related("regie").get(service=service).regie


def name_regie(service, name: str, numbering_format: str) -> Regie:
    """The régie the service was attached to (its commune's), renamed as the demo names them."""
    regie = regie_of(service)
    regie.name, regie.numbering_format = name, numbering_format
    regie.save(update_fields=["name", "numbering_format"])
    return regie


def place_order(parent, meals):
    """`meals` is [(tariff option, beneficiary, day)]: one basket, checked out with the wallet."""
    for option, child, day in meals:
        basket = add_meals(parent, option, [(child, day)], price=str(price_of(option)))
    # As in production, what the checkout leaves for after its commit runs (the numbering).
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = checkout(basket.pk, payer=parent, payment_method="wallet")
    return result.order


def price_of(option) -> Decimal:
    return option.stockrecords.first().price


def paid_share(order, regie) -> RegieShare:
    """The order's share for `regie`: the checkout's, else written paid here as it would."""
    share = RegieShare.objects.filter(order_number=order.number, regie=regie).first()
    if share is None:
        amount = sum(
            (
                line.line_price_incl_tax
                for line in order.lines.select_related("product")
                if regie_of(line.product.parent) == regie
            ),
            Decimal("0.00"),
        )
        now = timezone.now()
        year = timezone.localdate(now).year
        with transaction.atomic():
            share = RegieShare.objects.create(
                order_number=order.number,
                owner=order.user,
                regie=regie,
                amount=amount,
                wallet_amount=amount,
                status=ShareStatus.PAID,
                year=year,
                number=allocate_number(regie, year),
                paid_at=now,
            )
    assert share.status == ShareStatus.PAID and share.number
    return share


def unpaid_share(order, regie, amount="4.00") -> RegieShare:
    """A share still waiting for its card step (the régie's part the card has not paid)."""
    return RegieShare.objects.create(
        order_number=order.number,
        owner=order.user,
        regie=regie,
        amount=Decimal(amount),
        wallet_amount=Decimal(amount),
        status=ShareStatus.PENDING,
    )


def make_regie(code: str, name: str = "") -> Regie:
    return Regie.objects.create(code=code, name=name or code, backend=platform_backend())


def text_of(document) -> str:
    """The text weasyprint laid out on the PDF's pages, whitespace collapsed."""
    texts = []

    def walk(box):
        if getattr(box, "text", None):
            texts.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return re.sub(r"\s+", " ", " ".join(texts))


def same_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def aiguilhe():
    return PartnerFactory(name="Aiguilhe")


@pytest.fixture
def canteen(rosieres):
    service, meal, _ = make_canteen(rosieres, title="Cantine de Rosières", price="3.30")
    regie = name_regie(service, "Régie cantine de Rosières", "CAN-{yyyy}-{n:06d}")
    return service, meal, regie


@pytest.fixture
def nursery(aiguilhe):
    service, morning, _ = make_canteen(aiguilhe, title="Garderie d'Aiguilhe", price="1.50")
    regie = name_regie(service, "Régie périscolaire d'Aiguilhe", "GAR-{yyyy}-{n:06d}")
    return service, morning, regie


@pytest.fixture
def parent():
    parent = ParentFactory(first_name="Camille", last_name="Martin")
    top_up(parent, "100.00")
    return parent


@pytest.fixture
def lea(parent):
    return BeneficiaryFactory(account=parent, first_name="Léa", last_name="Martin")


@pytest.fixture
def tom(parent):
    return BeneficiaryFactory(account=parent, first_name="Tom", last_name="Martin")


@pytest.fixture
def order(parent, lea, tom, canteen, nursery):
    """Two meals at Rosières' canteen and one morning at Aiguilhe's nursery: two régies."""
    _, meal, _ = canteen
    _, morning, _ = nursery
    return place_order(
        parent,
        [(meal, lea, MEAL_DAY), (meal, tom, MEAL_DAY), (morning, lea, MEAL_DAY)],
    )


@pytest.fixture
def canteen_share(order, canteen):
    return paid_share(order, canteen[2])


@pytest.fixture
def nursery_share(order, nursery):
    return paid_share(order, nursery[2])


# --- The receipt's content --------------------------------------------------------------------


def test_a_receipt_lists_the_regies_lines_only_at_their_frozen_prices(canteen_share, nursery_share):
    receipt = receipts.receipt_of(canteen_share)

    assert receipt.number == canteen_share.number
    assert re.fullmatch(r"CAN-\d{4}-\d{6}", receipt.number)
    assert (receipt.regie, receipt.commune, receipt.order_number) == (
        "Régie cantine de Rosières",
        "Rosières",
        canteen_share.order_number,
    )
    assert receipt.payer == "Camille Martin"
    assert [
        (line.beneficiary, line.service, line.date, line.unit_price) for line in receipt.lines
    ] == [
        ("Léa Martin", "Cantine de Rosières", MEAL_DAY, Decimal("3.30")),
        ("Tom Martin", "Cantine de Rosières", MEAL_DAY, Decimal("3.30")),
    ]
    assert receipt.lines[0].explanation == "Tarif 1er enfant, résident : 3.30 €"
    assert receipt.total == Decimal("6.60") == sum(line.amount for line in receipt.lines)
    assert [(p.method, p.amount) for p in receipt.payments] == [("Porte-monnaie", Decimal("6.60"))]
    nursery = receipts.receipt_of(nursery_share)
    assert [(line.service, line.unit_price) for line in nursery.lines] == [
        ("Garderie d'Aiguilhe", Decimal("1.50"))
    ]
    assert re.fullmatch(r"GAR-\d{4}-\d{6}", nursery.number)


def test_the_pdf_shows_the_number_the_regie_each_line_the_total_and_the_payment(canteen_share):
    receipt = receipts.receipt_of(canteen_share)

    pdf = receipts.render_pdf(receipt)
    text = text_of(receipts.render_document(receipt))

    assert pdf.startswith(b"%PDF-")
    for expected in (
        receipt.number,
        "Régie cantine de Rosières",
        "Rosières",
        "Camille Martin",
        canteen_share.order_number,
        "Léa Martin",
        "Tom Martin",
        "Cantine de Rosières",
        MEAL_DAY.strftime("%d/%m/%Y"),
        "Tarif 1er enfant, résident : 3.30 €",
        same_spaces(euros(Decimal("3.30"), "fr")),
        same_spaces(f"Total {euros(Decimal('6.60'), 'fr')}"),
        same_spaces(f"Porte-monnaie : {euros(Decimal('6.60'), 'fr')}"),
        timezone.localtime(canteen_share.paid_at).strftime("%d/%m/%Y"),
    ):
        assert expected in text, expected


def test_the_pdf_speaks_the_language_asked_for(canteen_share):
    receipt = receipts.receipt_of(canteen_share)

    text = text_of(receipts.render_document(receipt, language="en"))

    assert same_spaces(euros(Decimal("6.60"), "en")) in text
    assert receipt.number in text


def test_a_card_part_is_named_after_the_backend_that_took_it(canteen_share):
    backend = canteen_share.regie.backend
    backend.kind = "payfip_ws"
    backend.save(update_fields=["kind"])

    payment = CardPayment.objects.create(
        owner=canteen_share.owner,
        purpose=CardPaymentPurpose.ORDER,
        amount=Decimal("2.60"),
        gateway="payfip_ws",
        backend=backend,
        regie=canteen_share.regie,
        status=CardPaymentStatus.SUCCEEDED,
        order_number=canteen_share.order_number,
        idempotency_key=f"receipt-test:{canteen_share.pk}",
    )
    RegieShare.objects.filter(pk=canteen_share.pk).update(
        wallet_amount=Decimal("4.00"), card_amount=Decimal("2.60"), card_payment=payment
    )
    share = receipts_of_parent(canteen_share.owner).get(pk=canteen_share.pk)

    receipt = receipts.receipt_of(share)

    assert [(p.method, p.amount) for p in receipt.payments] == [
        ("Porte-monnaie", Decimal("4.00")),
        ("PayFiP (carte bancaire)", Decimal("2.60")),
    ]


def test_what_a_family_typed_is_escaped_and_nothing_is_fetched(parent, canteen, rosieres):
    _, meal, regie = canteen
    child = BeneficiaryFactory(
        account=parent, first_name='<img src="http://127.0.0.1:9/pixel.png">', last_name="X"
    )
    share = paid_share(place_order(parent, [(meal, child, MEAL_DAY)]), regie)

    html = receipts.render_html(receipts.receipt_of(share))

    assert "<img" not in html
    assert "&lt;img" in html
    pdf = receipts.render_pdf(receipts.receipt_of(share))
    assert pdf.startswith(b"%PDF-")


def test_the_template_names_no_external_resource_and_the_fetcher_refuses_them():
    template = Path(settings.BASE_DIR, "templates", "receipts", "receipt.html").read_text()

    assert "://" not in template
    assert "url(" not in template
    assert "@import" not in template
    fetcher = receipts._local_only_fetcher()
    for url in ("http://127.0.0.1:9/style.css", "https://example.org/a.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher(url)
    assert fetcher("data:text/plain,ok").read() == b"ok"


def test_rendering_never_connects_to_a_url_the_html_names():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        html = f'<link rel="stylesheet" href="{url}/a.css"><img src="{url}/b.png"><p>Reçu</p>'

        pdf = receipts._document(html).write_pdf()

        assert pdf.startswith(b"%PDF-")
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_a_share_without_a_number_has_no_receipt(order):
    share = unpaid_share(order, make_regie("bains-cantine"))

    with pytest.raises(ValueError):
        receipts.receipt_of(share)


# --- Query counts -----------------------------------------------------------------------------


def receipt_queries(share) -> int:
    cache.clear()
    share = receipts_of_parent(share.owner).get(pk=share.pk)
    with CaptureQueriesContext(connection) as queries:
        receipt = receipts.receipt_of(share)
    assert receipt.lines
    return len(queries)


def test_a_receipt_reads_as_many_queries_for_one_line_as_for_twenty(parent, lea, canteen):
    _, meal, regie = canteen
    one = paid_share(place_order(parent, [(meal, lea, MEAL_DAY)]), regie)
    twenty = paid_share(
        place_order(parent, [(meal, lea, MEAL_DAY + timedelta(days=n)) for n in range(1, 21)]),
        regie,
    )
    assert len(receipts.receipt_of(twenty).lines) == 20

    assert receipt_queries(one) == receipt_queries(twenty) <= MAX_RECEIPT_QUERIES


def test_the_download_costs_as_many_queries_for_one_line_as_for_twenty(
    client, parent, lea, canteen
):
    _, meal, regie = canteen
    one = paid_share(place_order(parent, [(meal, lea, MEAL_DAY)]), regie)
    twenty = paid_share(
        place_order(parent, [(meal, lea, MEAL_DAY + timedelta(days=n)) for n in range(1, 21)]),
        regie,
    )
    client.force_login(parent)
    counts = []
    for share in (one, twenty):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/espace/quittances/{share.pk}.pdf").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- The parent site --------------------------------------------------------------------------


def test_the_parent_downloads_their_receipt_named_after_its_number(client, parent, canteen_share):
    client.force_login(parent)

    response = client.get(f"/espace/quittances/{canteen_share.pk}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{canteen_share.number}.pdf"')
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_another_parents_receipt_is_not_found(client, canteen_share):
    client.force_login(ParentFactory())

    assert client.get(f"/espace/quittances/{canteen_share.pk}.pdf").status_code == 404


def test_an_unpaid_share_has_no_receipt_to_download(client, parent, order):
    share = unpaid_share(order, make_regie("bains-cantine"))
    client.force_login(parent)

    assert client.get(f"/espace/quittances/{share.pk}.pdf").status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, canteen_share):
    response = client.get(f"/espace/quittances/{canteen_share.pk}.pdf")

    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_the_order_page_links_each_paid_share_and_says_the_state_of_the_others(
    client, parent, order, canteen_share, nursery_share
):
    waiting = unpaid_share(order, make_regie("bains-cantine", name="Régie cantine de Bains"))
    client.force_login(parent)

    response = client.get(f"/espace/commandes/{order.number}/")

    assert response.status_code == 200
    page = same_spaces(response.content.decode())
    link = (
        f'<a href="/espace/quittances/{canteen_share.pk}.pdf" download>'
        f"Quittance {canteen_share.number} — Régie cantine de Rosières — "
        f"{same_spaces(euros(Decimal('6.60'), 'fr'))}</a>"
    )
    assert link in page
    assert f"/espace/quittances/{nursery_share.pk}.pdf" in page
    assert f"/espace/quittances/{waiting.pk}.pdf" not in page
    assert "Régie cantine de Bains" in page
    assert "En attente du paiement" in page


# --- The API ----------------------------------------------------------------------------------


def test_the_api_lists_the_parents_receipts_only(
    client, parent, order, canteen, canteen_share, nursery_share
):
    unpaid_share(order, make_regie("bains-cantine"))
    other = ParentFactory()
    top_up(other, "20.00")
    child = BeneficiaryFactory(account=other)
    paid_share(place_order(other, [(canteen[1], child, MEAL_DAY)]), canteen_share.regie)
    client.force_login(parent)

    response = client.get("/api/receipts/")

    assert response.status_code == 200
    results = response.json()["results"]
    by_number = {item["number"]: item for item in results}
    assert set(by_number) == {canteen_share.number, nursery_share.number}
    item = by_number[canteen_share.number]
    assert item["regie"]["name"] == "Régie cantine de Rosières"
    assert item["regie"]["commune"] == "Rosières"
    assert (item["amount"], item["order_number"]) == ("6.60", order.number)
    assert item["amount_display"] == euros(Decimal("6.60"), "fr")
    assert item["paid_at"]
    assert item["pdf"] == f"http://testserver/api/receipts/{canteen_share.pk}/pdf/"
    pdf = client.get(item["pdf"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{canteen_share.number}.pdf"'
    assert pdf.content.startswith(b"%PDF-")


def test_the_api_list_costs_the_same_queries_for_one_receipt_and_for_four(
    client, parent, lea, canteen, nursery
):
    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/receipts/")
        assert response.status_code == 200
        return len(response.json()["results"]), len(queries)

    _, meal, regie = canteen
    _, morning, other = nursery
    client.force_login(parent)
    first = place_order(parent, [(meal, lea, MEAL_DAY)])
    paid_share(first, regie)
    one = queries_for_list()
    second = place_order(parent, [(meal, lea, OTHER_MEAL_DAY), (morning, lea, OTHER_MEAL_DAY)])
    paid_share(second, regie)
    paid_share(second, other)
    third = place_order(parent, [(morning, lea, MEAL_DAY)])
    paid_share(third, other)
    four = queries_for_list()

    assert (one[0], four[0]) == (1, 4)
    assert one[1] == four[1]


def test_the_api_pdf_of_another_parent_or_an_unpaid_share_is_not_found(
    client, order, canteen_share
):
    pending = unpaid_share(order, make_regie("bains-cantine"))

    client.force_login(ParentFactory())
    assert client.get(f"/api/receipts/{canteen_share.pk}/pdf/").status_code == 404
    assert client.get("/api/receipts/").json()["results"] == []
    client.force_login(order.user)
    assert client.get(f"/api/receipts/{pending.pk}/pdf/").status_code == 404
    assert client.get("/api/receipts/999999/pdf/").status_code == 404


def test_the_api_pdf_is_sent_whatever_the_client_accepts(client, parent, canteen_share):
    client.force_login(parent)

    response = client.get(f"/api/receipts/{canteen_share.pk}/pdf/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_the_api_refuses_anonymous_visitors(client, canteen_share):
    assert client.get("/api/receipts/").status_code == 403
    assert client.get(f"/api/receipts/{canteen_share.pk}/pdf/").status_code == 403


# --- Who sees which receipts (selectors) and the dashboard ------------------------------------


def dashboard_pdf(share) -> str:
    return f"/dashboard/quittances/{share.pk}.pdf"


def test_a_regisseur_downloads_their_regies_receipts_and_not_another_regies(
    client, canteen_share, nursery_share
):
    # Neither agent nor staff: listed by the régie, as the demo's régisseurs are.
    regisseur = UserFactory()
    canteen_share.regie.regisseurs.add(regisseur)
    client.force_login(regisseur)

    response = client.get(dashboard_pdf(canteen_share))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (f'attachment; filename="{canteen_share.number}.pdf"')
    assert response.content.startswith(b"%PDF-")
    assert client.get(dashboard_pdf(nursery_share)).status_code == 404
    assert list(receipts_for_staff(regisseur)) == [canteen_share]
    listing = client.get("/dashboard/quittances/")
    assert listing.status_code == 200
    assert canteen_share.number in listing.content.decode()
    assert nursery_share.number not in listing.content.decode()


def test_an_agent_sees_their_communes_regies_receipts_only(
    client, rosieres, canteen_share, nursery_share
):
    agent = AgentFactory(communes=[rosieres])
    client.force_login(agent)

    assert client.get(dashboard_pdf(canteen_share)).status_code == 200
    assert client.get(dashboard_pdf(nursery_share)).status_code == 404
    listing = client.get("/dashboard/quittances/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert canteen_share.number in page
    assert nursery_share.number not in page


def test_an_administrator_sees_every_receipt_and_searches_them(
    client, canteen_share, nursery_share
):
    client.force_login(AdministratorFactory())

    assert client.get(dashboard_pdf(nursery_share)).status_code == 200
    page = client.get("/dashboard/quittances/", {"q": canteen_share.number}).content.decode()
    assert canteen_share.number in page
    assert nursery_share.number not in page
    page = client.get("/dashboard/quittances/", {"regie": nursery_share.regie_id}).content.decode()
    assert nursery_share.number in page
    assert canteen_share.number not in page


def test_a_parent_sees_no_receipt_in_the_dashboard_not_even_their_own(
    client, parent, canteen_share
):
    client.force_login(parent)

    assert client.get(dashboard_pdf(canteen_share)).status_code == 404
    assert list(receipts_for_staff(parent)) == []
    assert canteen_share in visible_receipts(parent)
    assert set(visible_receipts(parent)) == set(receipts_of_parent(parent))


def test_an_anonymous_visitor_is_sent_to_the_dashboard_login(client, canteen_share):
    response = client.get(dashboard_pdf(canteen_share))

    assert response.status_code == 302
    assert "/dashboard/login/" in response["Location"]
