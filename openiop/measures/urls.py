app_name = "measures"
urlpatterns = []
