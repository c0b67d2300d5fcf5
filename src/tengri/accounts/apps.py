from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tengri.accounts"
    label = "accounts"
