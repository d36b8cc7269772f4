"""Oscar's default strategy, with two changes: a meal line keeps the price frozen on it when it
was added (reservations/pricing.py), and each product's purchase info is looked up once per
request instead of once per line."""

from decimal import Decimal

from oscar.apps.partner import strategy
from oscar.core.loading import get_model

from reservations.meals import PRICE_EXPLANATION_OPTION, frozen_unit_price

Option = get_model("catalogue", "Option")


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        return Default(request)


class Default(strategy.Default):
    def __init__(self, request=None):
        super().__init__(request)
        self._purchase_info = {}
        self._price_option_id = None

    def fetch_for_product(self, product, stockrecord=None):
        # Oscar reads the stock record and the product class again for every line; a request
        # sees one price per product, so remember it.
        key = (product.pk, getattr(stockrecord, "pk", None))
        info = self._purchase_info.get(key)
        if info is None:
            info = self._purchase_info[key] = super().fetch_for_product(product, stockrecord)
        return info

    def fetch_for_line(self, line, stockrecord=None):
        info = self.fetch_for_product(line.product, stockrecord)
        price = self._frozen_price(line)
        if price is None:
            return info
        currency = line.price_currency or getattr(info.stockrecord, "price_currency", None)
        return strategy.PurchaseInfo(
            price=strategy.FixedPrice(currency=currency, excl_tax=price, tax=Decimal("0.00")),
            availability=info.availability,
            stockrecord=info.stockrecord,
        )

    def _frozen_price(self, line) -> Decimal | None:
        if line.pk is None:
            return None
        # all_lines() prefetches the attributes: no query per line.
        attributes = line.attributes.all()
        option_id = self._explanation_option_id(attributes)
        if option_id is None:
            return None
        for attribute in attributes:
            if attribute.option_id == option_id:
                return frozen_unit_price(attribute.value)
        return None

    def _explanation_option_id(self, attributes=()):
        if self._price_option_id is None:
            # The checkout loads the attributes' options (prefetch_line_relations): read the id
            # from them rather than asking the database.
            for attribute in attributes:
                if not type(attribute).option.is_cached(attribute):
                    break
                if attribute.option.code == PRICE_EXPLANATION_OPTION:
                    self._price_option_id = attribute.option_id
                    break
        if self._price_option_id is None:
            self._price_option_id = (
                Option.objects.filter(code=PRICE_EXPLANATION_OPTION)
                .values_list("pk", flat=True)
                .first()
            ) or 0
        return self._price_option_id or None
