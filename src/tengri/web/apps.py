from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tengri.web"
    label = "web"
