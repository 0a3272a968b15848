from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Program operations (PRODUCT.md §8): the director's dashboard and the compliance lists."""

    name = "openiop.operations"
    label = "operations"
