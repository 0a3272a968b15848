from ninja import NinjaAPI

api = NinjaAPI(title="OpenIOP API", version="1", urls_namespace="api")
