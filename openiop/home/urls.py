from django.urls import path

from . import views

app_name = "home"
urlpatterns = [
    path("", views.index, name="index"),
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/tasks/<uuid:task_uuid>/done/", views.task_done, name="task_done"),
    path("my-care/", views.my_care, name="my_care"),
]
