"""Routes of the saver's pages (included by web/urls.py under the namespace web:savers)."""

from django.urls import path

from web.savers import views

app_name = "savers"

urlpatterns = [
    path("projects/<slug:slug>/", views.project_detail, name="project-detail"),
    path("pools/<int:pool_id>/", views.pool_detail, name="pool-detail"),
    path("pools/<int:pool_id>/pledge/", views.pledge_create_view, name="pledge-create"),
    path("pools/<int:pool_id>/estimate/", views.points_estimate, name="points-estimate"),
    path("my/pledges/", views.my_pledges, name="my-pledges"),
    path("my/pledges/<int:pledge_id>/", views.pledge_detail, name="pledge-detail"),
    path("my/pledges/<int:pledge_id>/receipt/", views.pledge_receipt, name="pledge-receipt"),
    path("my/pledges/<int:pledge_id>/withdraw/", views.pledge_withdraw_view, name="pledge-withdraw"),
    path("my/pledges/<int:pledge_id>/change/", views.pledge_change_view, name="pledge-change"),
    path("my/preferences/", views.preferences, name="preferences"),
    path("my/refund-account/", views.refund_account, name="refund-account"),
    path("my/profile/", views.profile_change, name="profile"),
    path("my/email/", views.email_change, name="email-change"),
    path("my/email/confirm/<str:token>/", views.email_change_confirm, name="email-change-confirm"),
    path("my/password/", views.password_change, name="password-change"),
    path("my/data/", views.my_data, name="my-data"),
    path("my/data.json", views.my_data_json, name="my-data-json"),
    path("my/data.csv", views.my_data_csv, name="my-data-csv"),
    path("my/erase/", views.erase, name="erase"),
    path("pledges/confirm/<str:token>/", views.fair_pledge_confirm, name="fair-pledge"),
    path("signup/", views.signup, name="signup"),
    path("confirm-email/<str:token>/", views.confirm_email, name="confirm-email"),
    path("confirm-email-resend/", views.confirm_email_resend, name="confirm-email-resend"),
]
