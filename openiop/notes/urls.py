app_name = "notes"
urlpatterns = []
