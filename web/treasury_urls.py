"""Treasurer page routes under /treasury/ (namespace web:treasury)."""

from django.urls import path

from web import treasury as views
from web import treasury_exceptions

app_name = "treasury"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bank-files/", views.bankfile_list_view, name="bankfile-list"),
    path("bank-files/<int:pk>/", views.bankfile_detail, name="bankfile-detail"),
    path("bank-files/<int:pk>/progress/", views.bankfile_progress, name="bankfile-progress"),
    path("exceptions/", treasury_exceptions.exception_list, name="exception-list"),
    path("exceptions/<int:pk>/resolve/", treasury_exceptions.exception_resolve, name="exception-resolve"),
    path("returned/", treasury_exceptions.returned_list, name="returned-list"),
    path("payments/", views.payment_list_view, name="payment-list"),
    path("payments/<int:pk>/", views.payment_detail, name="payment-detail"),
    path("payments/<int:pk>/match/", views.payment_match, name="payment-match"),
    path("allocations/<int:pk>/reverse/", views.allocation_reverse_view, name="allocation-reverse"),
    path("reports/<str:kind>/", views.report_view, name="report"),
    path("reports/<str:kind>/prepare/", views.report_prepare, name="report-prepare"),
    path("report-files/", views.report_files, name="report-files"),
    path("report-files/<int:pk>/download/", views.report_file_download, name="report-file-download"),
    path("payouts/", views.payout_list_view, name="payout-list"),
    path("payouts/<int:pk>/", views.payout_detail, name="payout-detail"),
    path("payouts/<int:pk>/approve/", views.payout_approve_view, name="payout-approve"),
    path("payouts/<int:pk>/cancel/", views.payout_cancel_view, name="payout-cancel"),
    path("payouts/<int:pk>/export/", views.payout_export_view, name="payout-export"),
    path("audit/", views.audit_list, name="audit"),
]
