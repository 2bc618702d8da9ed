"""Residents' participatory-budgeting pages (voting). Filled in by its owner."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
