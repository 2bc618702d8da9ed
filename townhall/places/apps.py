from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PlacesConfig(AppConfig):
    name = "townhall.places"
    label = "places"
    verbose_name = "Places"

    def ready(self) -> None:
        from townhall.places.models import Area, area_indexes

        post_save.connect(area_indexes.clear, sender=Area, weak=False)
        post_delete.connect(area_indexes.clear, sender=Area, weak=False)
