from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("tokens/", views.token_create_view, name="token_create"),
    path("tokens/<uuid:token_uuid>/revoke/", views.token_revoke_view, name="token_revoke"),
]
