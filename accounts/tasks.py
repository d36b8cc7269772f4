from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_email(self, payload: dict) -> int:
    """Hand one serialised message to the real delivery backend (console, SMTP, locmem)."""
    fields = {key: value for key, value in payload.items() if key != "alternatives"}
    message = EmailMultiAlternatives(**fields)
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    return connection.send_messages([message])
