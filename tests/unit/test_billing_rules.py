"""Billing's pure rules, table-driven, no database: what attendance puts on an invoice, how a
payment is shared between services, an invoice's status, the debt threshold's refusal, IBAN
and BIC checks, the mandate's reference and the debit's sequence."""

from datetime import date
from decimal import Decimal

import pytest

from billing import rules
from reservations.attendance_pricing import AttendanceModifiers


def day(owner, beneficiary, state, price="3.30", service=1, on=date(2026, 12, 1)):
    return rules.Day(
        owner_id=owner,
        beneficiary_id=beneficiary,
        service_id=service,
        commune_id=9,
        date=on,
        state=state,
        base_price=Decimal(price),
    )


def test_each_family_gets_one_draft_with_the_states_priced_and_justified_absences_left_off():
    days = [
        day(2, 20, "present"),
        day(1, 10, "present"),
        day(1, 10, "absent", on=date(2026, 12, 2)),
        day(1, 11, "absent_justified"),
        day(1, 11, "present_unbooked", on=date(2026, 12, 3)),
    ]
    drafts = rules.draft_invoices(days, {})
    assert [d.owner_id for d in drafts] == [1, 2]
    assert [(line.day.beneficiary_id, str(line.amount)) for line in drafts[0].lines] == [
        (10, "3.30"),
        (10, "3.30"),
        (11, "4.95"),
    ]
    assert drafts[0].total == Decimal("11.55")
    assert drafts[1].total == Decimal("3.30")


def test_a_service_that_charges_justified_absences_keeps_them_on_the_invoice():
    modifiers = {1: AttendanceModifiers(absent_justified=Decimal(50))}
    (draft,) = rules.draft_invoices([day(1, 10, "absent_justified", "4.00")], modifiers)
    assert [str(line.amount) for line in draft.lines] == ["2.00"]
    assert "50 %" in draft.lines[0].explanation


@pytest.mark.parametrize(
    ("outstanding", "amount", "expected"),
    [
        ({1: "5.00", 2: "3.00"}, "8.00", {1: "5.00", 2: "3.00"}),
        ({1: "5.00", 2: "3.00"}, "6.00", {1: "5.00", 2: "1.00"}),
        ({2: "3.00", 1: "5.00"}, "2.00", {1: "2.00"}),
    ],
)
def test_a_payment_settles_the_services_in_id_order(outstanding, amount, expected):
    shares = rules.allocate_payment(
        {sid: Decimal(v) for sid, v in outstanding.items()}, Decimal(amount)
    )
    assert shares == {sid: Decimal(v) for sid, v in expected.items()}


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "8.01"])
def test_a_payment_that_is_not_positive_or_exceeds_what_is_owed_is_refused(amount):
    with pytest.raises(ValueError):
        rules.allocate_payment({1: Decimal("5.00"), 2: Decimal("3.00")}, Decimal(amount))


def test_what_is_outstanding_subtracts_each_standing_payment_per_service():
    owed = rules.outstanding_by_service(
        {1: Decimal("5.00"), 2: Decimal("3.00")}, [{"1": "5.00"}, {"2": "1.00"}]
    )
    assert owed == {2: Decimal("2.00")}


@pytest.mark.parametrize(
    ("total", "paid", "status"),
    [("10.00", "0.00", "issued"), ("10.00", "4.00", "partly_paid"), ("10.00", "10.00", "paid")],
)
def test_an_invoice_status_follows_what_was_paid(total, paid, status):
    assert rules.invoice_status(Decimal(total), Decimal(paid)) == status


@pytest.mark.parametrize(
    ("unpaid", "threshold", "refused"),
    [("6.60", "5.00", True), ("5.00", "5.00", False), ("100.00", None, False)],
)
def test_the_debt_threshold_refuses_only_above_what_the_commune_tolerates(
    unpaid, threshold, refused
):
    message = rules.debt_refusal(
        Decimal(unpaid), None if threshold is None else Decimal(threshold), "Rosières"
    )
    assert (message is not None) == refused
    if refused:
        assert message.startswith("Vos factures impayées auprès de Rosières")
        assert "« Mes factures »" in message


def test_an_iban_is_compacted_and_its_bic_found_from_the_bank_code():
    assert rules.checked_bank_details("fr76 3000 6000 0112 3456 7890 189") == (
        "FR7630006000011234567890189",
        "AGRIFRPPXXX",
    )


@pytest.mark.parametrize(
    ("iban", "bic", "field"),
    [
        ("FR76 3000 6000 0112 3456 7890 188", "", "iban"),
        ("FR76 3000 6000 0112 3456 7890 189", "XYZ", "bic"),
    ],
)
def test_a_wrong_iban_or_bic_is_refused_naming_the_field(iban, bic, field):
    with pytest.raises(rules.BankDetailsError) as error:
        rules.checked_bank_details(iban, bic)
    assert error.value.field == field


def test_a_mandate_reference_fits_sepa_and_names_the_regie():
    rum = rules.mandate_reference("cantine-rosieres", date(2027, 1, 4), 42)
    assert rum == "RUM-CANTINEROSIE-20270104-00000042"
    assert len(rum) <= 35


@pytest.mark.parametrize(("mandate", "debit"), [("FRST", "FRST"), ("RCUR", "RCUR")])
def test_a_mandate_never_collected_is_debited_first_then_recurring(mandate, debit):
    assert rules.debit_sequence(mandate) == debit
