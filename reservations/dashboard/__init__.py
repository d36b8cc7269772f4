"""Agents' screens in the Oscar dashboard: accounts to validate and access requests."""
