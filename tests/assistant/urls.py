"""The project's URLs plus the assistant's, until townhall/urls.py includes them."""

from django.urls import include, path

from townhall.urls import urlpatterns as project

urlpatterns = [path("", include("townhall.assistant.urls")), *project]
