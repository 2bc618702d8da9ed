"""Residents' pages: each view validates a form, authorises, calls one service, renders."""
