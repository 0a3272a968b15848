from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "openiop.coordination"
    label = "coordination"
