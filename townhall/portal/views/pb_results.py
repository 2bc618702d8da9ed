"""Residents' participatory-budgeting pages (results). Filled in by its owner."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
