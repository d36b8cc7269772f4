from django.dispatch import Signal

# Sent (inside the settling transaction) when a card payment of purpose "order" or "invoice"
# succeeds or fails for good; kwargs: payment (CardPayment). The commerce layer confirms or
# cancels the order; billing/ records the invoice's payment.
card_payment_settled = Signal()
# Sent (inside the settling transaction) when a top-up's card payment is credited to the general
# pot; kwargs: payment (CardPayment). The confirmation e-mail leaves after commit.
top_up_credited = Signal()
