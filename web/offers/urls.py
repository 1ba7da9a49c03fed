"""Routes of the regulated-offer pages (included by web/urls.py under the namespace web:offers)."""

from django.urls import path

from web.offers import views

app_name = "offers"

urlpatterns = [
    path("offers/pools/<int:pool_id>/sheet/", views.sheet_view, name="sheet"),
    path("offers/pools/<int:pool_id>/sheet.pdf", views.sheet_pdf, name="sheet-pdf"),
    path("offers/pools/<int:pool_id>/manage/", views.offer_manage, name="manage"),
    path("offers/pools/<int:pool_id>/lenders-<int:year>.csv", views.lender_csv, name="lender-csv"),
    path("offers/pools/<int:pool_id>/lender-payments/", views.lender_payments_view, name="lender-payments"),
    path("offers/sheets/<int:sheet_id>/approve/", views.sheet_approve_view, name="sheet-approve"),
    path("offers/assessment/", views.assessment_view, name="assessment"),
    path(
        "my/pledges/<int:pledge_id>/confirm-interest/",
        views.pledge_interest_confirm_view,
        name="pledge-confirm-interest",
    ),
    path("my/pledges/<int:pledge_id>/revoke/", views.pledge_revoke_view, name="pledge-revoke"),
    path("my/statements/<int:year>.pdf", views.statement_pdf_view, name="statement-pdf"),
]
