"""Pure wallet arithmetic: which pot pays what. No ORM; balances are passed in."""

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Allocation:
    """How a set of per-service charges is paid from the pots.

    Each service's charge is taken from that service's pot first, then from the general pot;
    whatever neither covers is the `shortfall` (left to the card, or refused)."""

    from_service_pot: dict = field(default_factory=dict)  # service id -> amount
    from_general_pot: dict = field(default_factory=dict)  # service id -> amount
    uncovered: dict = field(default_factory=dict)  # service id -> amount

    @property
    def wallet_total(self) -> Decimal:
        return sum(self.from_service_pot.values(), ZERO) + sum(self.from_general_pot.values(), ZERO)

    @property
    def shortfall(self) -> Decimal:
        return sum(self.uncovered.values(), ZERO)


def allocate(charges: dict, service_pot_balances: dict, general_pot_balance: Decimal) -> Allocation:
    """Charges and balances in Decimal euros; services are visited in a stable order (by id) so
    the same basket always splits the same way."""
    for amount in charges.values():
        if amount < 0:
            raise ValueError("A charge cannot be negative.")
    general_left = general_pot_balance
    from_service, from_general, uncovered = {}, {}, {}
    for service_id in sorted(charges):
        due = charges[service_id]
        own = min(due, service_pot_balances.get(service_id, ZERO))
        due -= own
        shared = min(due, general_left)
        general_left -= shared
        due -= shared
        if own:
            from_service[service_id] = own
        if shared:
            from_general[service_id] = shared
        if due:
            uncovered[service_id] = due
    return Allocation(from_service, from_general, uncovered)


def split_payment(total: Decimal, wallet_available: Decimal) -> tuple[Decimal, Decimal]:
    """Split an order's total between the wallet (up to what it holds) and the card (the rest).

    Amounts are Decimal euros in cents; a negative balance counts as an empty wallet."""
    if total < 0:
        raise ValueError("A total cannot be negative.")
    if total != total.quantize(CENT) or wallet_available != wallet_available.quantize(CENT):
        raise ValueError("Amounts are in cents.")
    wallet_part = min(total, max(wallet_available, ZERO)).quantize(CENT)
    return wallet_part, (total - wallet_part).quantize(CENT)
