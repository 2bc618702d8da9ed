"""URL map: the residents' portal, the Open311 API, and the admin."""

from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The admin asks for the same second factor as the back office.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("open311/", include("townhall.open311.urls")),
    path("admin/", admin.site.urls),
    path("staff/", include("townhall.staff.urls")),
    path("areas/", include("townhall.staff.public_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("budgeting/", include("townhall.portal.budgeting_urls")),
    path("", include("townhall.assistant.urls")),
    path("", include("townhall.portal.urls")),
]
