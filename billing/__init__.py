"""Billing of post-paid services: the month's attendance invoiced per régie and family, the
invoices' payments (wallet, card or PayFiP, the régie's counter, SEPA direct debit), the
mandates and debit files, and the debt threshold a commune sets on booking.

Layer: above `reservations` and `wallet`, which it imports (attendance, bookings, the ledger,
the régies); below `shop` and `themes`, which call it. Neither reservations nor wallet ever
imports billing: reservations asks it through the hooks it offers (is_post_paid, the meals'
adding check), the wallet announces settled card payments with its signal."""
