from django.dispatch import Signal

# Sent inside the cancelling transaction once bookings are cancelled and refunded; kwargs:
# bookings (the cancelled Booking rows), by (who), role (ActorRole), reason.
bookings_cancelled = Signal()
