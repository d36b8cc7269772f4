from django.urls import path

from .api import ProfileView

app_name = "accounts"

urlpatterns = [
    path("me/", ProfileView.as_view(), name="me"),
]
