"""E-mail goes out through a Celery task, after the surrounding transaction commits.

Django, Oscar and Wagtail all send mail through EMAIL_BACKEND; pointing it here means every one
of their messages leaves the request quickly and is retried by the worker, and a message about
data that was rolled back is never sent."""

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction


def serialise_message(message) -> dict:
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [list(alternative) for alternative in getattr(message, "alternatives", [])],
    }


class TaskEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .tasks import deliver_email

        for message in email_messages:
            payload = serialise_message(message)
            transaction.on_commit(lambda payload=payload: deliver_email.delay(payload))
        return len(email_messages)
