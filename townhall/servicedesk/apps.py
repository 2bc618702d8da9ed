from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ServiceDeskConfig(AppConfig):
    name = "townhall.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        # Routing rules and service levels are memoised per worker (routing.rule_sets,
        # sla.levels); a change saved in this process drops the copies at once.
        from townhall.places.models import Area
        from townhall.servicedesk import routing, sla
        from townhall.servicedesk.models import (
            BusinessCalendar,
            Department,
            Holiday,
            RoutingRule,
            Service,
            ServiceLevel,
        )

        watched = (RoutingRule, Department, Service, Area, ServiceLevel, BusinessCalendar, Holiday)
        for memo in (routing.rule_sets, sla.levels):
            for model in watched:
                post_save.connect(memo.clear, sender=model, weak=False)
                post_delete.connect(memo.clear, sender=model, weak=False)
