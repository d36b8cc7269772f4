"""Stripe's client secret of a card payment, kept in the parent's session between the page that
started the payment and the page that shows the card form (a top-up, an invoice): it is never
in a URL, and it is forgotten once the payment is settled."""

SESSION_KEY = "portail_top_up_secrets"  # its name from when top-ups alone had one


def remember(request, payment_pk: int, client_secret: str | None) -> None:
    if client_secret:
        secrets = request.session.get(SESSION_KEY, {})
        secrets[str(payment_pk)] = client_secret
        request.session[SESSION_KEY] = secrets


def recall(request, payment_pk: int) -> str | None:
    return request.session.get(SESSION_KEY, {}).get(str(payment_pk))


def forget(request, payment_pk: int) -> None:
    secrets = request.session.get(SESSION_KEY)
    if secrets and secrets.pop(str(payment_pk), None) is not None:
        request.session.modified = True
