from django.apps import AppConfig


class CheckpointsConfig(AppConfig):
    name = "tengri.checkpoints"
    label = "checkpoints"
    verbose_name = "Checkpoints, crossings and presence"
