from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "tengri.permits"
    label = "permits"

    def ready(self) -> None:
        # Issue on approval, revoke on amendment and removal: the expeditions package announces, we react.
        from tengri.permits import receivers  # noqa: F401
