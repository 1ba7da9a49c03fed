"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web import twofactor, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="language"),
    path("account/two-factor/setup/", twofactor.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/verify/", twofactor.two_factor_verify, name="two-factor-verify"),
]
