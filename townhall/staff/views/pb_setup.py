"""Back-office participatory-budgeting pages (setup). Filled in by its owner."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
