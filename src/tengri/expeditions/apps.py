from django.apps import AppConfig


class ExpeditionsConfig(AppConfig):
    name = "tengri.expeditions"
    label = "expeditions"
