"""Wagtail pages: one home per territory site, communes, services and their regulations."""
