from . import urls_outcomes

app_name = "measures"
urlpatterns = [
    *urls_outcomes.urlpatterns,
]
