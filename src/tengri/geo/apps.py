from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "tengri.geo"
    label = "geo"
    verbose_name = "Geography"
