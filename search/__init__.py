"""One search over published CMS pages and bookable catalogue services, on Wagtail's backends."""
