from django.dispatch import Signal

# Sent (inside the settling transaction) when a card payment of purpose "order" succeeds or
# fails for good; kwargs: payment (CardPayment). The commerce layer confirms or cancels the order.
card_payment_settled = Signal()
