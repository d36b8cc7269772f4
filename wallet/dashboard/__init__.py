"""Agents' wallet screens in the Oscar dashboard: a parent's pots, credits and debits."""
