from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "tengri.capacity"
    label = "capacity"
    verbose_name = "Capacity: resources per day, holds, waitlist"

    def ready(self) -> None:
        # Expeditions announces saves, submissions, approvals and endings; capacity follows with holds.
        from tengri.capacity import receivers  # noqa: F401
