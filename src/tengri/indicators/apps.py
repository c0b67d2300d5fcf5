from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "tengri.indicators"
    label = "indicators"
    verbose_name = "Indicators: tourist flows, trade ledger, season report"
