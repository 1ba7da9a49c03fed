"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web import views
from web.fairs.urls import urlpatterns as fair_urlpatterns

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="language"),
]
urlpatterns += fair_urlpatterns
