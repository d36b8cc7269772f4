"""Beneficiaries, access to services, calendars, deadline rules, pricing and bookings."""
