from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "townhall.places"
    label = "places"
    verbose_name = "Places"
