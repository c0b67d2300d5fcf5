from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "tengri.approvals"
    label = "approvals"
