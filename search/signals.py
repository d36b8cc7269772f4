"""Catalogue changes reindex the services they touch, through a Celery task queued once the
transaction commits (the task then reads what was committed). Connected by PortalSearchConfig."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from oscar.core.loading import get_model


def queue_service(product_id: int | None) -> None:
    from .tasks import reindex_service

    if product_id is not None:
        transaction.on_commit(partial(reindex_service.delay, product_id))


def queue_commune(partner_id: int) -> None:
    from .tasks import reindex_commune

    transaction.on_commit(partial(reindex_commune.delay, partner_id))


def product_changed(sender, instance, raw=False, **kwargs):
    if raw or instance.structure == instance.STANDALONE:
        return
    # A tariff option's change is its service's: its parent is known without a query, and a
    # deleted option could not be traced back to it later.
    queue_service(instance.parent_id if instance.structure == instance.CHILD else instance.pk)


def stockrecord_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # The option's id: the task finds its service (no query here, in the saving request).
    queue_service(instance.product_id)


def partner_changed(sender, instance, raw=False, created=False, **kwargs):
    # A new commune prices nothing yet; a renamed one changes its services' commune name.
    # A deleted one takes its stock records along, whose own signals reindex the services.
    if not raw and not created:
        queue_commune(instance.pk)


def connect() -> None:
    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    Partner = get_model("partner", "Partner")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(product_changed, sender=Product, dispatch_uid=f"search-product-{name}")
        signal.connect(stockrecord_changed, sender=StockRecord, dispatch_uid=f"search-stock-{name}")
    post_save.connect(partner_changed, sender=Partner, dispatch_uid="search-partner-save")
