"""Paying an order with the porte-monnaie, a card, or both, recorded the way Oscar records
payments (sources, transactions, payment events). Not an Oscar fork: a plain package that the
checkout override (shop/api/) and the card settlement receiver call; see shop/FORKS.md."""
