"""URL map: the residents' portal, the Open311 API, and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("open311/", include("townhall.open311.urls")),
    path("admin/", admin.site.urls),
    path("", include("townhall.portal.urls")),
]
