from django.contrib.auth import views as auth_views
from django.urls import path

from builder.views import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    # Django 5 logs out on POST only (a GET link could be forged); the login page offers the form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
