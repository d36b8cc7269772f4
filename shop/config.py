from oscar import config


class Shop(config.Shop):
    """Oscar's root app, with the storefront mounted under /shop/ and the dashboard apart.

    Wagtail serves the site root, so Oscar's "home" redirect is dropped, and the dashboard is
    mounted at /dashboard/ by config/urls.py. The HTML basket and checkout are not mounted:
    parents book through the API and the themes/ front end, which enforce our booking rules."""

    UNMOUNTED = {"", "dashboard/", "basket/", "checkout/", "wishlists/"}

    def get_urls(self):
        return [url for url in super().get_urls() if str(url.pattern) not in self.UNMOUNTED]
