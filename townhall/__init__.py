"""Townhall: an open-source digital city hall."""
