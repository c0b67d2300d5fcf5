from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tengri.registry"
    label = "registry"
    verbose_name = "Route and infrastructure registry"
