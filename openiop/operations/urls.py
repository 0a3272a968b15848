from .urls_compliance import urlpatterns as compliance
from .urls_dashboard import urlpatterns as dashboard

app_name = "operations"

urlpatterns = [*dashboard, *compliance]
