from django.apps import AppConfig


class ServiceDeskConfig(AppConfig):
    name = "townhall.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"
