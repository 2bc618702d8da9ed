from django.urls import path

from townhall.portal.views import account, browse, maps, pages, report, track

app_name = "portal"
urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("report/", report.choose_service, name="report"),
    path("report/sent/<str:public_id>/", report.sent, name="report_sent"),
    path("report/<str:code>/", report.location, name="report_location"),
    path("report/<str:code>/details/", report.details, name="report_details"),
    path("track/", track.find, name="track"),
    path("requests/", browse.browse, name="browse"),
    path("requests/<str:public_id>/", track.detail, name="request"),
    path("requests/<str:public_id>/follow/", track.follow, name="follow"),
    path("photos/<int:media_id>", track.photo, name="photo"),
    path("follow/confirm/<str:token>/", track.follow_confirm, name="follow_confirm"),
    path("follow/stop/<str:token>/", track.follow_stop, name="unfollow"),
    path("login/", account.sign_in, name="sign_in"),
    path("login/<str:token>/", account.sign_in_link, name="sign_in_link"),
    path("logout/", account.sign_out, name="sign_out"),
    path("my/requests/", account.my_requests, name="my_requests"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("map/areas.geojson", maps.areas_geojson, name="map_areas"),
    path("map/places.json", maps.places, name="map_places"),
]
