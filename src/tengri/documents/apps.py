from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tengri.documents"
    label = "documents"
