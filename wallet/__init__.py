"""The porte-monnaie: double-entry ledger, pots, top-ups and the wallet payment method.

Bottom domain layer: it imports nothing of ours but accounts."""
