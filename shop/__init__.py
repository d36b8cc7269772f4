"""Thin forks of Oscar and oscar-api that plug our domain into them (see FORKS.md)."""
