"""The parent front end's pages, mounted at / by config/urls.py before Wagtail's page serving.
Each area of the site keeps its own `urlpatterns` beside its views."""

from .views import (
    absences,
    account,
    basket,
    bookings,
    checkout,
    family,
    invoices,
    notifications,
    orders,
    planning,
    public,
    receipts,
    space,
    wallet,
)
from .views.calendar_feed import urlpatterns as calendar_feed_urls
from .views.privacy import urlpatterns as privacy_urls
from .views.recurring import urlpatterns as recurring_urls
from .views.waitlist import urlpatterns as waitlist_urls

app_name = "portail"

urlpatterns = [
    *public.urlpatterns,
    *account.urlpatterns,
    *space.urlpatterns,
    *family.urlpatterns,
    *planning.urlpatterns,
    *recurring_urls,
    *basket.urlpatterns,
    *checkout.urlpatterns,
    *wallet.urlpatterns,
    *bookings.urlpatterns,
    *absences.urlpatterns,
    *waitlist_urls,
    *orders.urlpatterns,
    *invoices.urlpatterns,
    *receipts.urlpatterns,
    *notifications.urlpatterns,
    *privacy_urls,
    *calendar_feed_urls,
]
