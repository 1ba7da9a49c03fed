"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from web import communities as community_views
from web import communities_manage as manage
from web import ops, owners, twofactor, views
from web.fairs.urls import urlpatterns as fair_urlpatterns
from web.funds import views as fund_views
from web.password_reset import QueuedPasswordResetForm

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("pools/", community_views.pool_search, name="pool-search"),
    path("c/<slug:slug>/", community_views.community_page, name="community"),
    path("c/<slug:slug>/theme.css", community_views.community_theme, name="community-theme"),
    path("my/pools/<int:pool_id>/pledgers/", owners.pool_pledgers, name="pool-pledgers"),
    path("my/pools/<int:pool_id>/pledgers.csv", owners.pool_pledgers_csv, name="pool-pledgers-csv"),
    path("my/pools/<int:pool_id>/pledgers.xlsx", owners.pool_pledgers_xlsx, name="pool-pledgers-xlsx"),
    # Browsers ask for /favicon.ico whatever the page says; send them to the icon.
    path("favicon.ico", views.FaviconRedirectView.as_view(), name="favicon"),
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
            form_class=QueuedPasswordResetForm,
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
    path("", include("web.offers.urls")),
    path("funds/", fund_views.fund_list, name="fund-list"),
    path("funds/loans/<int:pk>/", fund_views.loan_detail, name="loan-detail"),
    path("funds/loans/<int:pk>/write-off/", fund_views.loan_write_off, name="loan-write-off"),
    path("funds/guarantees/<int:pk>/", fund_views.guarantee_detail, name="guarantee-detail"),
    path("funds/guarantees/<int:pk>/<str:action>/", fund_views.guarantee_action, name="guarantee-action"),
    path("funds/withdrawals/<int:pk>/<str:action>/", fund_views.withdrawal_action, name="withdrawal-action"),
    path("funds/<slug:slug>/", fund_views.fund_detail, name="fund-detail"),
    path("funds/<slug:slug>/join/", fund_views.fund_join, name="fund-join"),
    path("funds/<slug:slug>/statement/", fund_views.fund_statement, name="fund-statement"),
    path("funds/<slug:slug>/withdraw/", fund_views.fund_withdraw, name="fund-withdraw"),
    path("funds/<slug:slug>/shares/", fund_views.fund_shares, name="fund-shares"),
    path("funds/<slug:slug>/rules/", fund_views.fund_rules, name="fund-rules"),
    path("funds/<slug:slug>/swish/", fund_views.fund_swish, name="fund-swish"),
    path("funds/<slug:slug>/loans/new/", fund_views.loan_create, name="fund-loan-new"),
    path("funds/<slug:slug>/guarantees/new/", fund_views.guarantee_create, name="fund-guarantee-new"),
    path("funds/<slug:slug>/withdrawals/", fund_views.fund_withdrawals, name="fund-withdrawals"),
    path("funds/<slug:slug>/position/", fund_views.fund_position, name="fund-position"),
    path("funds/<slug:slug>/position.csv", fund_views.fund_position_csv, name="fund-position-csv"),
    path("funds/<slug:slug>/position.pdf", fund_views.fund_position_pdf, name="fund-position-pdf"),
    path("my/engagements/", fund_views.my_engagements, name="my-engagements"),
    path("my/projects/", views.my_projects, name="my-projects"),
    path("my/projects/<int:project_id>/swish/", owners.project_swish, name="project-swish"),
    path("ops/jobs/", ops.JobListView.as_view(), name="ops-jobs"),
    path("ops/reminders/failed/", ops.FailedReminderListView.as_view(), name="ops-reminders-failed"),
    path("ops/mail/failed/", ops.FailedMailListView.as_view(), name="ops-mail-failed"),
    path("ops/mail/failed/<int:pk>/retry/", ops.FailedMailRetryView.as_view(), name="ops-mail-retry"),
    path("account/two-factor/setup/", twofactor.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/verify/", twofactor.two_factor_verify, name="two-factor-verify"),
    path("treasury/", include("web.treasury_urls")),
    path("manage/communities/", manage.community_manage_list, name="community-manage-list"),
    path("manage/communities/new/", manage.community_manage_new, name="community-manage-new"),
    path("manage/communities/<int:community_id>/", manage.community_manage_edit, name="community-manage-edit"),
    path(
        "manage/communities/<int:community_id>/members/",
        manage.community_manage_members,
        name="community-manage-members",
    ),
    path(
        "manage/communities/<int:community_id>/members/grant/",
        manage.community_member_grant,
        name="community-member-grant",
    ),
    path(
        "manage/communities/<int:community_id>/members/<int:membership_id>/revoke/",
        manage.community_member_revoke,
        name="community-member-revoke",
    ),
    path(
        "manage/communities/<int:community_id>/invitations/",
        manage.community_invitation_create,
        name="community-invitation-create",
    ),
    path(
        "manage/communities/<int:community_id>/invitations/<int:invitation_id>/revoke/",
        manage.community_invitation_revoke,
        name="community-invitation-revoke",
    ),
    path("manage/welcome/", manage.community_after_accept, name="community-manage-after-accept"),
    path(
        "manage/communities/<int:community_id>/invitations/<int:invitation_id>/resend/",
        manage.community_invitation_resend,
        name="community-invitation-resend",
    ),
    path("invitations/<str:token>/", manage.invitation_page, name="invitation"),
    path("community/choose/", manage.community_choose, name="community-choose"),
]
urlpatterns += fair_urlpatterns
