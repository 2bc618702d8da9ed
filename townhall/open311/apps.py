from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class Open311Config(AppConfig):
    name = "townhall.open311"
    label = "open311"

    def ready(self) -> None:
        # A change to the catalogue clears this process's copy at once; other worker
        # processes see it when theirs expires (queries.REFERENCE_SECONDS).
        from townhall.open311.queries import reference_data
        from townhall.places.models import Area, Jurisdiction
        from townhall.servicedesk.models import Department, Service, ServiceAttribute

        for model in (Jurisdiction, Area, Department, Service, ServiceAttribute):
            post_save.connect(reference_data.clear, sender=model, weak=False)
            post_delete.connect(reference_data.clear, sender=model, weak=False)
