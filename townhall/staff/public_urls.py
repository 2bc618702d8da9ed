from django.urls import path

from townhall.staff import public

app_name = "areas"
urlpatterns = [
    path("<slug:code>/feed.atom", public.feed, name="feed"),
    path("<slug:code>/follow/", public.follow, name="follow"),
    path("alerts/<str:token>/confirm/", public.confirm, name="confirm"),
    path("alerts/<str:token>/stop/", public.stop, name="stop"),
]
