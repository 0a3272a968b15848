from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openiop.core"
    label = "core"

    def ready(self) -> None:
        from .text_limits import connect

        connect()
