from django.dispatch import Signal

# Sent inside the cancelling transaction once bookings are cancelled and refunded; kwargs:
# bookings (the cancelled Booking rows), by (who), role (ActorRole), reason.
bookings_cancelled = Signal()
# Sent inside add_meals_to_basket once the basket is locked, before any line is written;
# kwargs: account, service (the parent product), meals ((beneficiary id, date) pairs). A
# receiver raises MealsRefused to refuse them (billing's debt threshold, which this layer may
# not import).
meals_adding = Signal()
