"""Each child's calendar feed address: made on first use, replaced on demand (the old address
then answers 404). The feed itself is served by themes/views/calendar_feed.py."""

from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import CalendarFeed, new_feed_token

FEED_URL_NAME = "portail:calendar_feed"


def current_beneficiaries(account):
    """The account's beneficiaries that may have a feed (not archived), by birth date."""
    Beneficiary = apps.get_model("reservations", "Beneficiary")
    return Beneficiary.objects.filter(account=account, archived_at__isnull=True)


def feed_of(beneficiary) -> CalendarFeed:
    return feeds_of([beneficiary])[beneficiary.pk]


def feeds_of(beneficiaries) -> dict[int, CalendarFeed]:
    """Each beneficiary's feed by beneficiary id, those missing made: three queries at most,
    whatever the number of children."""
    ids = [beneficiary.pk for beneficiary in beneficiaries]
    found = {feed.beneficiary_id: feed for feed in CalendarFeed.objects.filter(beneficiary__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        # Two first visits at once: the unique beneficiary keeps one feed, read back below.
        CalendarFeed.objects.bulk_create(
            [CalendarFeed(beneficiary_id=pk) for pk in missing], ignore_conflicts=True
        )
        found.update(
            {f.beneficiary_id: f for f in CalendarFeed.objects.filter(beneficiary__in=missing)}
        )
    return found


@transaction.atomic
def renew_feed(beneficiary) -> CalendarFeed:
    """A new token for the child's feed; the old one stops working at once."""
    found, created = CalendarFeed.objects.select_for_update().get_or_create(beneficiary=beneficiary)
    if not created:
        found.token = new_feed_token()
        found.created_at = timezone.now()
        found.save(update_fields=["token", "created_at"])
    return found


def feed_path(feed: CalendarFeed) -> str:
    return reverse(FEED_URL_NAME, args=[feed.token])
