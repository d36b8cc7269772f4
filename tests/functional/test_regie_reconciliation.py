"""A scripted day of a territory's money, then what its régisseurs sign: every régie's journal
balances, the reconciliation's checks pass to the cent, and the inter-régie statement equals
the general-pot spending; and the reconciliation finds a break written behind the ledger's back.

Everything runs through the real services: top-ups through the offline gateway
(start_top_up + confirm_card_payment), checkouts (shop.checkout.checkout), a parent's
cancellation, an agent's day closure, an agent's adjustment."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from reservations.bookings import cancel_booking
from reservations.closures import close_day
from reservations.models import Booking, BookingStatus
from shop.checkout import checkout
from shop.payment import processing
from tests.booking_factories import MEAL_DAY, add_meals, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, UserFactory
from tests.reservations_factories import BeneficiaryFactory
from wallet import ledger, payments
from wallet.gateways import GatewayPayment
from wallet.journal import (
    Period,
    inter_regie_statement,
    journal,
    period_totals,
    reconcile,
)
from wallet.ledger import Charge
from wallet.models import (
    AccountKind,
    BackendKind,
    CardPayment,
    CardPaymentPurpose,
    CardPaymentStatus,
    LedgerAccount,
    Leg,
    PaymentBackendAccount,
    Regie,
    RegieKind,
    RegieShare,
    Transfer,
    TransferKind,
)
from wallet.regies import platform_regie, regie_ids_of_services

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")

PARIS = ZoneInfo("Europe/Paris")
# A Monday a week before the meals: every booking and cancellation deadline is still open.
DAY = datetime.date(2030, 3, 4)
MORNING = datetime.datetime(2030, 3, 4, 8, 0, tzinfo=PARIS)
D = Decimal


def pay_top_up(parent, amount: str) -> CardPayment:
    started = payments.start_top_up(parent, amount)
    return payments.confirm_card_payment(parent, started.payment.pk)


def wallet_checkout(parent, *meals):
    """Check out `meals` ((tariff option, child, day, price)) paid by the porte-monnaie."""
    for option, child, day, price in meals:
        basket = add_meals(parent, option, [(child, day)], price=price)
    result = checkout(basket.pk, payer=parent, payment_method="wallet")
    assert result.order.total_incl_tax == sum(D(m[3]) for m in meals)
    return result.order


def card_checkout(parent, method, *meals):
    """Check out `meals` paid by card (`method` "card" or "wallet+card"); the card steps are
    asked of the offline gateway, as the payment page does. Returns the steps' payments."""
    for option, child, day, price in meals:
        basket = add_meals(parent, option, [(child, day)], price=price)
    result = checkout(basket.pk, payer=parent, payment_method=method)
    steps = [step.card_payment for step in result.outcome.steps]
    for payment in steps:
        processing.card_details(payment)
    return steps


def pay_step(payment):
    return payments.confirm_card_payment(payment.owner, payment.pk)


def fail_step(payment):
    """The gateway reports the step cancelled (the parent gave up, or it expired there)."""
    payment.refresh_from_db()
    return payments.settle_card_payment(
        GatewayPayment(
            gateway=payment.gateway,
            reference=payment.gateway_reference,
            amount=payment.amount,
            currency="EUR",
            status="canceled",
        )
    )


def booking_of(child, option, day) -> Booking:
    return Booking.objects.get(
        beneficiary=child, tariff_option=option, date=day, status=BookingStatus.CONFIRMED
    )


@pytest.fixture
def territory():
    """Two communes' canteens (each commune's régie is made when its service is priced), the
    platform régie, two families with one child each, and the agent of the second commune."""
    rosieres, aiguilhe = PartnerFactory(name="Rosières"), PartnerFactory(name="Aiguilhe")
    canteen_r, meal_r, _ = make_canteen(rosieres, title="Cantine de Rosières", price="3.30")
    canteen_a, meal_a, _ = make_canteen(aiguilhe, title="Cantine d'Aiguilhe", price="2.80")
    regies = regie_ids_of_services([canteen_r.pk, canteen_a.pk])
    # Aiguilhe takes cards through its own account: a basket of both communes pays in 2 steps.
    Regie.objects.filter(pk=regies[canteen_a.pk]).update(
        backend=PaymentBackendAccount.objects.create(
            name="Passerelle de test d'Aiguilhe",
            kind=BackendKind.OFFLINE,
            minimum_amount=D("0.50"),
        )
    )
    first, second = ParentFactory(), ParentFactory()
    return {
        "platform": platform_regie(),
        "rosieres": Regie.objects.get(pk=regies[canteen_r.pk]),
        "aiguilhe": Regie.objects.get(pk=regies[canteen_a.pk]),
        "canteen_a": canteen_a,
        "meal_r": meal_r,
        "meal_a": meal_a,
        "first": first,
        "second": second,
        "first_child": BeneficiaryFactory(account=first),
        "second_child": BeneficiaryFactory(account=second),
        "families": [ParentFactory() for _ in range(3)],
        "agent": AgentFactory(communes=[aiguilhe]),
    }


@pytest.fixture
def scripted_day(territory, django_capture_on_commit_callbacks):
    # What runs once a transaction commits (numbering the paid shares, e-mails) runs too.
    with django_capture_on_commit_callbacks(execute=True):
        return script_the_day(territory)


def script_the_day(t):
    first, second = t["first"], t["second"]
    meal_r, meal_a = t["meal_r"], t["meal_a"]
    one, two = t["first_child"], t["second_child"]
    next_day, third_day = MEAL_DAY + datetime.timedelta(1), MEAL_DAY + datetime.timedelta(2)
    with time_machine.travel(MORNING, tick=True) as clock:
        pay_top_up(first, "50.00")
        pay_top_up(second, "25.00")
        clock.shift(datetime.timedelta(hours=1))
        # 2 meals at Rosières and 1 at Aiguilhe from the general pot: 9,40 €.
        wallet_checkout(
            first,
            (meal_r, one, MEAL_DAY, "3.30"),
            (meal_r, one, next_day, "3.30"),
            (meal_a, one, MEAL_DAY, "2.80"),
        )
        # 2 meals at Aiguilhe: 5,60 €.
        wallet_checkout(second, (meal_a, two, MEAL_DAY, "2.80"), (meal_a, two, next_day, "2.80"))
        clock.shift(datetime.timedelta(hours=1))
        # Before the deadline: 3,30 € back to the Rosières pot of the first family.
        cancel_booking(
            booking_of(one, meal_r, MEAL_DAY),
            by=first,
            role=ActorRole.PARENT,
            now=timezone.now(),
        )
        # Paid from that pot first: nothing from the general pot.
        wallet_checkout(first, (meal_r, one, third_day, "3.30"))
        clock.shift(datetime.timedelta(hours=1))
        # Aiguilhe closes on the meal day: both families' meals that day refunded (2 × 2,80 €).
        close_day(t["canteen_a"], MEAL_DAY, "Grève", t["agent"], now=timezone.now())
        pot = LedgerAccount.objects.get(
            owner=second, kind=AccountKind.SERVICE_POT, service=t["canteen_a"]
        )
        ledger.adjust_pot(
            pot, D("1.50"), reason="Geste commercial", agent=t["agent"], idempotency_key="adj-1"
        )
        clock.shift(datetime.timedelta(hours=1))
        card_payments(t)
    return t


def card_payments(t):
    """Three more families, paying by card, in steps per backend account, on other days."""
    meal_r, meal_a = t["meal_r"], t["meal_a"]
    third, fourth, fifth = t["families"]
    day3, day4 = MEAL_DAY + datetime.timedelta(3), MEAL_DAY + datetime.timedelta(4)
    # 5 € in the pot pays Rosières 3,30 € and 1,70 € of Aiguilhe's 5,60 €; Aiguilhe's card
    # step (3,90 €) fails: its share is cancelled and its 1,70 € go back to the general pot.
    pay_top_up(third, "5.00")
    child = BeneficiaryFactory(account=third)
    (step,) = card_checkout(
        third,
        "wallet+card",
        (meal_r, child, day3, "3.30"),
        (meal_a, child, day3, "2.80"),
        (meal_a, child, day4, "2.80"),
    )
    assert step.amount == D("3.90")
    fail_step(step)
    # By card only, in 2 steps: Rosières' paid (3,30 €), Aiguilhe's failed (2,80 €).
    child = BeneficiaryFactory(account=fourth)
    rosieres_step, aiguilhe_step = card_checkout(
        fourth, "card", (meal_r, child, day3, "3.30"), (meal_a, child, day3, "2.80")
    )
    assert (rosieres_step.amount, aiguilhe_step.amount) == (D("3.30"), D("2.80"))
    pay_step(rosieres_step)
    fail_step(aiguilhe_step)
    # 5 € in the pot for Rosières, then 2 card steps, both paid: 1,60 € and 2,80 €.
    pay_top_up(fifth, "5.00")
    child = BeneficiaryFactory(account=fifth)
    steps = card_checkout(
        fifth,
        "wallet+card",
        (meal_r, child, day3, "3.30"),
        (meal_r, child, day4, "3.30"),
        (meal_a, child, day3, "2.80"),
    )
    assert [s.amount for s in steps] == [D("1.60"), D("2.80")]
    for payment in steps:
        pay_step(payment)


def test_after_a_scripted_day_every_regies_reconciliation_balances_to_the_cent(scripted_day):
    t = scripted_day
    day = Period.day(DAY)
    for name in ("platform", "rosieres", "aiguilhe"):
        result = reconcile(t[name], day)
        failed = [(c.code, c.left, c.right, c.detail) for c in result.checks if not c.ok]
        assert failed == [], name
        assert result.unbalanced_transfers == []
    # The checkout numbers each régie's share: the shares check was made, not skipped.
    assert not next(c for c in reconcile(t["rosieres"], day).checks if c.code == "d").skipped

    platform = reconcile(t["platform"], day).totals
    assert (platform.card_top_ups, platform.top_ups_credited) == (D("85.00"), D("85.00"))
    assert platform.booked_revenue == 0

    rosieres = reconcile(t["rosieres"], day).totals
    assert (
        rosieres.general_pot_spending,
        rosieres.service_pot_spending,
        rosieres.card_orders,
        rosieres.booked_revenue,
        rosieres.refunds,
        rosieres.net_revenue,
    ) == (D("14.90"), D("3.30"), D("4.90"), D("23.10"), D("3.30"), D("19.80"))

    aiguilhe = reconcile(t["aiguilhe"], day).totals
    assert (
        aiguilhe.general_pot_spending,
        aiguilhe.general_pot_reversals,
        aiguilhe.card_orders,
        aiguilhe.booked_revenue,
        aiguilhe.refunds,
        aiguilhe.adjustments,
    ) == (D("10.10"), D("1.70"), D("2.80"), D("11.20"), D("5.60"), D("1.50"))


@pytest.mark.parametrize(
    ("name", "received"), [("platform", "85.00"), ("rosieres", "4.90"), ("aiguilhe", "2.80")]
)
def test_the_gateways_figures_are_those_of_the_card_payments_that_succeeded(
    scripted_day, name, received
):
    result = reconcile(scripted_day[name], Period.day(DAY))

    check = next(c for c in result.checks if c.code == "b")
    assert (check.left, check.right) == (D(received), D(received))
    assert result.gateway_by_method == [("Carte (passerelle de test)", D(received))]


def test_a_paid_share_stands_when_another_step_of_its_order_fails(scripted_day):
    fourth = scripted_day["families"][1]
    shares = RegieShare.objects.filter(owner=fourth).order_by("regie__name")
    assert [(s.regie, s.status, bool(s.number)) for s in shares] == [
        (scripted_day["aiguilhe"], "cancelled", False),
        (scripted_day["rosieres"], "paid", True),
    ]


def test_each_journal_lists_the_days_movements_and_adds_up_to_the_reconciliation(scripted_day):
    t = scripted_day
    for name in ("platform", "rosieres", "aiguilhe"):
        day_journal = journal(t[name], Period.day(DAY))
        (only_day,) = day_journal.days
        totals, credits, debits = period_totals(t[name], Period.day(DAY))
        assert credits == debits
        for field in ("card_receipts", "wallet_spending", "refunds", "booked_revenue"):
            assert getattr(only_day.totals, field) == getattr(totals, field), (name, field)

    rows = journal(t["aiguilhe"], Period.day(DAY)).rows
    assert sorted((r.nature, r.amount, r.method) for r in rows) == [
        ("adjustment", D("1.50"), "Porte-monnaie"),
        ("card_order", D("2.80"), "Carte (passerelle de test)"),
        ("general_pot", D("1.70"), "Porte-monnaie"),
        ("general_pot", D("2.80"), "Porte-monnaie"),
        ("general_pot", D("5.60"), "Porte-monnaie"),
        ("refund", D("2.80"), "Porte-monnaie"),
        ("refund", D("2.80"), "Porte-monnaie"),
        ("reversal", D("1.70"), "Porte-monnaie"),
    ]
    card = next(r for r in rows if r.nature == "card_order")
    assert card.family == t["families"][2].get_full_name()
    assert card.receipt_number.startswith("AIGUILHE-2030-")
    agent = t["agent"].get_full_name()
    refund = next(r for r in rows if r.nature == "refund")
    assert (refund.actor, refund.actor_role) == (agent, "Agent")
    top_up = next(r for r in journal(t["platform"], Period.day(DAY)).rows)
    assert (top_up.nature, top_up.method, top_up.family) == (
        "card_top_up",
        "Carte (passerelle de test)",
        t["first"].get_full_name(),
    )
    assert top_up.local_at.date() == DAY


def test_the_inter_regie_statement_equals_the_general_pot_spending(scripted_day):
    t = scripted_day
    statement = inter_regie_statement(Period.day(DAY))

    assert [(line.platform, line.regie, line.owed) for line in statement.lines] == [
        (t["platform"], t["aiguilhe"], D("8.40")),
        (t["platform"], t["rosieres"], D("14.90")),
    ]
    spent = sum(
        (
            journal(t[name], Period.day(DAY)).totals.general_pot_net
            for name in ("rosieres", "aiguilhe")
        ),
        D("0.00"),
    )
    assert statement.total == statement.general_pot_spending == spent == D("23.30")
    assert statement.balances


def test_the_next_day_holds_nothing_of_this_one(scripted_day):
    next_day = Period.day(DAY + datetime.timedelta(1))
    assert journal(scripted_day["rosieres"], next_day).rows == []
    assert inter_regie_statement(next_day).total == 0


def test_a_succeeded_card_payment_missing_from_the_ledger_is_a_break(scripted_day):
    platform = scripted_day["platform"]
    with time_machine.travel(MORNING + datetime.timedelta(hours=5)):
        CardPayment.objects.create(
            owner=scripted_day["first"],
            purpose=CardPaymentPurpose.TOP_UP,
            amount=D("10.00"),
            gateway="offline",
            backend=platform.backend,
            regie=platform,
            status=CardPaymentStatus.SUCCEEDED,
            settled_at=timezone.now(),
            idempotency_key="written-behind-the-ledgers-back",
        )

    result = reconcile(platform, Period.day(DAY))

    assert not result.balances
    check = next(c for c in result.checks if c.code == "b")
    assert (check.ok, check.left, check.right, check.difference) == (
        False,
        D("85.00"),
        D("95.00"),
        D("-10.00"),
    )


def test_a_leg_written_alone_behind_the_ledgers_back_is_a_break(scripted_day):
    rosieres = scripted_day["rosieres"]
    revenue = LedgerAccount.objects.filter(kind=AccountKind.SERVICE_REVENUE, regie=rosieres).first()
    with time_machine.travel(MORNING + datetime.timedelta(hours=5)):
        forged = Transfer.objects.create(
            kind=TransferKind.PURCHASE,
            reason="Écriture isolée",
            idempotency_key="forged",
            actor_role=ActorRole.SYSTEM,
        )
        Leg.objects.create(transfer=forged, account=revenue, amount=D("1.00"), regie=rosieres)

    result = reconcile(rosieres, Period.day(DAY))

    broken = {c.code for c in result.checks if not c.ok}
    assert {"a1", "a2", "c1"} <= broken
    assert result.unbalanced_transfers == [forged.pk]


def test_the_shares_check_is_skipped_and_said_so_while_the_regie_has_no_share(territory):
    result = reconcile(territory["rosieres"], Period.day(DAY))
    shares = next(c for c in result.checks if c.code == "d")
    assert not RegieShare.objects.filter(regie=territory["rosieres"]).exists()
    assert shares.ok and "aucune part" in shares.skipped


# --- Query counts ----------------------------------------------------------------------------


def movements(regie_services, count: int):
    """`count` orders of a services régie: paid from the wallet, half of them by card too, one
    in five refunded."""
    (service, commune) = regie_services
    regie_id = regie_ids_of_services([service.pk])[service.pk]
    for n in range(count):
        parent = ParentFactory()
        ledger.credit_top_up(parent, D("10.00"), reference="t", idempotency_key=f"t-{n}")
        charge = Charge(service.pk, commune.pk, D("2.00"), regie_id)
        ledger.pay_from_wallet(parent, [charge], reference=f"O-{n}", idempotency_key=f"o-{n}")
        if n % 2:
            ledger.record_card_receipt(
                [charge], regie_id=regie_id, reference=f"O-{n}", idempotency_key=f"c-{n}"
            )
        if n % 5 == 0:
            ledger.refund_to_service_pot(
                parent,
                service_id=service.pk,
                commune_id=commune.pk,
                amount=D("1.00"),
                reason="Annulation",
                reference=f"O-{n}",
                idempotency_key=f"r-{n}",
            )
    return Regie.objects.get(pk=regie_id)


@pytest.mark.parametrize("count", [5, 50])
def test_the_journal_reads_the_same_number_of_queries_whatever_its_size(count):
    commune = PartnerFactory(name="Rosières")
    service, _meal, _ = make_canteen(commune)
    with time_machine.travel(MORNING, tick=True):
        regie = movements((service, commune), count)
        platform = platform_regie()
        with CaptureQueriesContext(connection) as services_queries:
            rows = journal(regie, Period.day(DAY)).rows
        with CaptureQueriesContext(connection) as platform_queries:
            journal(platform, Period.day(DAY))
        with CaptureQueriesContext(connection) as reconciliation_queries:
            reconcile(regie, Period.day(DAY))
        with CaptureQueriesContext(connection) as statement_queries:
            inter_regie_statement(Period.day(DAY))
    assert len([r for r in rows if r.nature == "general_pot"]) == count
    assert len(services_queries) == 3
    assert len(platform_queries) == 3
    assert len(reconciliation_queries) == 8
    assert len(statement_queries) == 3
    assert platform.kind == RegieKind.PLATFORM


def test_the_regisseur_reads_the_day_and_each_receipt_links_to_its_pdf(client, scripted_day):
    regie = scripted_day["aiguilhe"]
    regisseur = UserFactory()
    regie.regisseurs.add(regisseur)
    client.force_login(regisseur)

    page = client.get(
        f"/dashboard/porte-monnaie/regies/{regie.pk}/journal/", {"date": DAY.isoformat()}
    ).content.decode()

    share = RegieShare.objects.filter(regie=regie, status="paid").order_by("pk").first()
    assert f'href="/dashboard/quittances/{share.pk}.pdf"' in page
    assert share.number in page


def test_a_card_charged_after_its_share_was_given_up_still_balances(scripted_day):
    """The gateway charged the fourth family's failed Aiguilhe step after all (as it expired):
    settlement credits the 2,80 € to their general pot through Aiguilhe's card receipts, and
    Aiguilhe now owes them to the platform régie."""
    t = scripted_day
    aiguilhe = t["aiguilhe"]
    payment = CardPayment.objects.get(owner=t["families"][1], regie=aiguilhe)
    # Their general pot, never used (they paid by card), held by the platform régie.
    ledger.general_pot(t["families"][1])
    with time_machine.travel(MORNING + datetime.timedelta(hours=6)):
        CardPayment.objects.filter(pk=payment.pk).update(
            status=CardPaymentStatus.SUCCEEDED, settled_at=timezone.now()
        )
        order = Order.objects.get(number=payment.order_number)
        processing.credit_late_card_payment(order, payment, aiguilhe.pk)

    for name in ("platform", "rosieres", "aiguilhe"):
        failed = [c.code for c in reconcile(t[name], Period.day(DAY)).checks if not c.ok]
        assert failed == [], name
    totals = reconcile(aiguilhe, Period.day(DAY)).totals
    assert (totals.card_top_ups, totals.top_ups_credited) == (D("2.80"), D("2.80"))
    late = [r for r in journal(aiguilhe, Period.day(DAY)).rows if r.nature == "card_to_wallet"]
    assert [(r.amount, r.method, r.family) for r in late] == [
        (D("2.80"), "Carte (passerelle de test)", t["families"][1].get_full_name())
    ]
    statement = inter_regie_statement(Period.day(DAY))
    owed = {line.regie: (line.returned, line.owed) for line in statement.lines}
    assert owed[aiguilhe] == (D("4.50"), D("5.60"))  # 1,70 € reversed, 2,80 € to the pot
    assert statement.total == statement.general_pot_spending == D("20.50")
