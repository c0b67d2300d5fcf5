from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tengri.core"
    label = "core"
