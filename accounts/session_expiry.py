"""The sliding 2-hour inactivity timeout, without writing the session on every request.

Django's SESSION_SAVE_EVERY_REQUEST pushes the expiry forward by saving the session row on each
request: three statements (savepoint, UPDATE, release) on every page and API call of a logged-in
parent, the largest fixed cost of booking and paying. Here the session is saved again only when
its last save is more than REFRESH_AFTER old: the timeout still runs from the last request, to
within that minute, and a burst of requests (calendar, basket, checkout) writes it once."""

import time

from django.utils.deprecation import MiddlewareMixin

# How stale the expiry may get: a parent idle for 2 hours is logged out between 1 h 59 and 2 h
# after their last request.
REFRESH_AFTER = 60  # seconds
LAST_SAVED_KEY = "_expiry_pushed_at"


class SlidingSessionExpiryMiddleware(MiddlewareMixin):
    """Below SessionMiddleware: marks the session modified, so that SessionMiddleware saves it
    with a new expiry and cookie, when it was last pushed forward more than REFRESH_AFTER ago."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None:
            return response
        pushed_at = session.get(LAST_SAVED_KEY)  # loads the session (no query without a cookie)
        # Never create a session for this: an anonymous visitor's, or one whose cookie named a
        # session that has expired, stays empty and unsaved.
        if session.is_empty():
            return response
        now = int(time.time())
        if not isinstance(pushed_at, int) or now - pushed_at >= REFRESH_AFTER or now < pushed_at:
            session[LAST_SAVED_KEY] = now
        return response


def stamp_new_session(sender, request, user, **kwargs):
    """`user_logged_in`: a login saves the session anyway (a new key): stamp it then, so the
    requests of the next minute need not write it again."""
    if getattr(request, "session", None) is not None:
        request.session[LAST_SAVED_KEY] = int(time.time())
