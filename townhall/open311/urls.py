"""Open311 GeoReport v2 under /open311/: discovery, then the v2 endpoint.

Each resource ends in ``.<format>``. Codes and ids may themselves contain dots, so the
format is whatever follows the last dot; the view answers 404 for a format it does not
speak. Anything else under /open311/ is a 404 in the spec's error shape.
"""

from django.urls import re_path

from townhall.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[^./]*)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^v2/discovery" + FORMAT, views.discovery, name="v2-discovery"),
    re_path(r"^v2/services" + FORMAT, views.services, name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[^/]+)" + FORMAT,
        views.service_definition,
        name="service-definition",
    ),
    re_path(r"^v2/requests" + FORMAT, views.requests, name="requests"),
    re_path(
        r"^v2/requests/(?P<service_request_id>[^/]+)" + FORMAT,
        views.service_request,
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]+)" + FORMAT, views.token, name="token"),
    re_path(
        r"^v2/servicerequestupdates" + FORMAT,
        views.service_request_updates,
        name="service-request-updates",
    ),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
