from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "openiop.treatment"
    label = "treatment"
