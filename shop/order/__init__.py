"""Placing orders in bulk: Oscar's OrderCreator writes one order line (and its prices and
attributes) at a time; ours writes them in a few statements (see shop/FORKS.md)."""
