from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = "People and API keys"

    def ready(self) -> None:
        from townhall.accounts import signals  # noqa: F401  (connects the audit receivers)
