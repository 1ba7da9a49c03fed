"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="language"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="savers/password_reset_form.html",
            email_template_name="emails/password_reset.txt",
            subject_template_name="emails/password_reset_subject.txt",
            success_url=reverse_lazy("web:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="savers/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="savers/password_reset_confirm.html", success_url=reverse_lazy("web:password-reset-complete")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="savers/password_reset_complete.html"),
        name="password-reset-complete",
    ),
    path("", include("web.savers.urls")),
]
