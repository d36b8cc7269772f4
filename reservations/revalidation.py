"""The checkout's second look at a basket: what a line holds (its quantity, product, beneficiary
and frozen price) was written by whoever filled the basket, so none of it is trusted. Each line
is checked again, inside the checkout transaction and under its locks, against the catalogue,
the paying family, its accepted access and the tariff grid, exactly as the line was priced
when the meal was added (reservations/basket.py add_meals_to_basket).

The checkout (shop/) calls `revalidate_basket` after locking the basket row and before the
wallet's pots: it locks the meals' days first, so the lock order of a closure stays that of the
checkout."""

from collections import defaultdict

from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import rules
from .bookings import LockedDays
from .calendars import tariff_configs
from .catalogue import SERVICE_CLASS_SLUG
from .exceptions import BookingRefused
from .meals import MEAL_OPTIONS, read_meal_line
from .models import Beneficiary
from .pricing import Prices
from .selectors import accepted_accesses

__all__ = ["revalidate_basket"]

BasketLine = get_model("basket", "Line")
LineAttribute = get_model("basket", "LineAttribute")
Option = get_model("catalogue", "Option")
Product = get_model("catalogue", "Product")


def revalidate_basket(basket) -> None:
    """Refuse the checkout of `basket` (BookingRefused, one French message per faulty line)
    unless every line is one meal (quantity 1) of a tariff option of a commune's service, for
    a beneficiary of the basket's owner (the paying family, also when an agent books on its
    behalf), who holds an accepted access to that option at that commune, at the price the
    tariff grid gives today with the siblings of its day, booked or in the basket.

    Reads the basket's lines as the order will be written from (`all_lines()`), and a fixed
    number of queries whatever their number."""
    lines = list(basket.all_lines())
    if not lines:
        return
    codes = _meal_option_codes(lines)
    services = _services_of_tariff_options(lines)
    meals = [_meal_of_basket_line(line, codes, services) for line in lines]
    family = {b.pk: b for b in Beneficiary.objects.filter(account_id=basket.owner_id)}
    wanted = [
        meal for meal in meals if meal.service_id and meal.date and meal.beneficiary_id in family
    ]
    # The meals' days locked before anything is counted, and before the wallet's pots (the
    # order a closure takes them in). book_order reuses what is read here (the basket carries
    # it): same transaction, same locks, so the same facts.
    days = LockedDays.lock_and_load(basket.owner_id, wanted, beneficiaries=family)
    basket.locked_days = days
    service_ids = {meal.service_id for meal in wanted}
    accesses = (
        accepted_accesses(
            basket.owner_id, list({meal.beneficiary_id for meal in wanted}), service_ids
        )
        if wanted
        else {}
    )
    prices = Prices(tariff_configs(service_ids) if wanted else {})
    # The siblings a meal was priced with: the family's meals of that service and day, booked
    # or in this basket (as add_meals_to_basket prices them, and prices them again). A copy:
    # book_order counts the booked ones only.
    siblings = defaultdict(set, {key: set(ids) for key, ids in days.booked.items()})
    for meal in wanted:
        siblings[meal.service_id, meal.date].add(meal.beneficiary_id)

    errors = []
    for line, meal in zip(lines, meals, strict=True):
        message = _refusal(line, meal, family, accesses, prices, siblings)
        if message:
            errors.append(_error(meal, message))
    if errors:
        raise BookingRefused(
            errors,
            " ".join(error["message"] for error in errors) + " " + _("Rien n'a été débité."),
        )


def _meal_option_codes(lines) -> dict[int, str]:
    """The meal options' codes by id: from the attributes' options when the checkout has
    loaded them (shop.order.creator.prefetch_line_relations), else in one query."""
    attributes = [attribute for line in lines for attribute in line.attributes.all()]
    if all(LineAttribute.option.is_cached(attribute) for attribute in attributes):
        return {
            attribute.option_id: attribute.option.code
            for attribute in attributes
            if attribute.option.code in MEAL_OPTIONS
        }
    return dict(Option.objects.filter(code__in=MEAL_OPTIONS).values_list("pk", "code"))


def _services_of_tariff_options(lines) -> dict[int, int]:
    """Tariff option id → its service's id, for the lines' products that are tariff options:
    child products of a service of the catalogue (reservations.catalogue). From the products
    and parents the checkout has loaded, else in one query."""
    loaded = all(BasketLine.product.is_cached(line) for line in lines)
    products = [line.product for line in lines if loaded and line.product is not None]
    if loaded and all(
        Product.parent.is_cached(product)
        and (product.parent is None or Product.product_class.is_cached(product.parent))
        for product in products
    ):
        return {
            product.pk: product.parent_id
            for product in products
            if product.structure == Product.CHILD
            and product.parent is not None
            and product.parent.structure == Product.PARENT
            and product.parent.product_class is not None
            and product.parent.product_class.slug == SERVICE_CLASS_SLUG
        }
    return dict(
        Product.objects.filter(
            pk__in={line.product_id for line in lines if line.product_id},
            structure=Product.CHILD,
            parent__structure=Product.PARENT,
            parent__product_class__slug=SERVICE_CLASS_SLUG,
        ).values_list("pk", "parent_id")
    )


def _meal_of_basket_line(line, codes: dict, services: dict):
    """A basket line read as a meal, its values as they are stored (None: not readable)."""
    values = {
        codes[attribute.option_id]: attribute.value
        for attribute in line.attributes.all()
        if attribute.option_id in codes
    }
    return read_meal_line(line.pk, services.get(line.product_id), values)


def _error(meal, message) -> dict:
    return {
        "line": meal.line_id,
        "beneficiary": meal.beneficiary_id,
        "service": meal.service_id,
        "date": meal.date.isoformat() if meal.date else None,
        "message": str(message),
    }


def _refusal(line, meal, family, accesses, prices, siblings) -> str:
    """Why this line cannot be paid as it stands, in French, or "" when it can."""
    if meal.service_id is None or meal.beneficiary_id is None or meal.date is None:
        title = line.product.title if line.product_id else "?"
        return _("« %(product)s » n'est pas un repas réservable : retirez-le du panier.") % {
            "product": title
        }
    beneficiary = family.get(meal.beneficiary_id)
    when = f"{meal.date:%d/%m/%Y}"
    if beneficiary is None or beneficiary.archived_at is not None:
        return _(
            "Le repas du %(date)s est pour un bénéficiaire qui n'est pas rattaché à votre "
            "compte : retirez-le du panier."
        ) % {"date": when}
    who = {"date": when, "who": beneficiary.first_name}
    if line.quantity != 1:
        return _(
            "Le repas du %(date)s pour %(who)s est compté %(quantity)s fois au lieu d'une : "
            "retirez-le du panier et ajoutez-le à nouveau."
        ) % {**who, "quantity": line.quantity}
    access = accesses.get((meal.beneficiary_id, meal.service_id))
    if access is None or access.tariff_option_id != line.product_id:
        return _(
            "%(who)s n'a pas d'accès accepté à « %(option)s » : retirez le repas du %(date)s "
            "du panier, puis demandez l'accès dans « Mes services »."
        ) % {**who, "option": line.product.title}
    if access.option_stockrecord_id is None or line.stockrecord_id != access.option_stockrecord_id:
        return (
            _(
                "Le repas du %(date)s pour %(who)s n'est plus proposé à ce tarif par la commune : "
                "retirez-le du panier et ajoutez-le à nouveau."
            )
            % who
        )
    try:
        price = prices.explain(
            beneficiary,
            access,
            meal.date,
            [family[pk] for pk in siblings[meal.service_id, meal.date] if pk in family],
        ).unit_price
    except rules.NoTariffError as error:
        return _(
            "Le repas du %(date)s pour %(who)s n'a plus de tarif (%(reason)s) : retirez-le du "
            "panier."
        ) % {**who, "reason": str(error).rstrip(".")}
    frozen = meal.unit_price
    if frozen is None or not frozen.is_finite() or frozen != price:
        return (
            _(
                "Le prix du repas du %(date)s pour %(who)s a changé : retirez-le du panier et "
                "ajoutez-le à nouveau."
            )
            % who
        )
    return ""
