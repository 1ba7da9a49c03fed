"""Fair page routes, included by web/urls.py."""

from django.urls import path

from web.fairs import views

urlpatterns = [
    path("fairs/", views.fair_list, name="fair-list"),
    path("fairs/new/", views.fair_create_view, name="fair-create"),
    path("fairs/<int:fair_id>/", views.fair_detail, name="fair-detail"),
    path("fairs/<int:fair_id>/apply/", views.fair_apply, name="fair-apply"),
    path("fairs/<int:fair_id>/programme/", views.fair_programme, name="fair-programme"),
    path("fairs/<int:fair_id>/status/", views.fair_status, name="fair-status"),
    path("fairs/<int:fair_id>/cards/", views.card_volunteer, name="fair-cards"),
    path("fairs/<int:fair_id>/pledge-cards.pdf", views.pledge_cards_pdf, name="fair-pledge-cards-pdf"),
    path("fairs/<int:fair_id>/board/", views.board, name="fair-board"),
    path("fairs/<int:fair_id>/board.json", views.board_json, name="fair-board-json"),
    path("fairs/<int:fair_id>/report/", views.report, name="fair-report"),
    path("fairs/<int:fair_id>/report.csv", views.report_csv, name="fair-report-csv"),
    path("fairs/<int:fair_id>/report.pdf", views.report_pdf, name="fair-report-pdf"),
    path("pitches/<int:pitch_id>/choose/", views.pitch_choose_view, name="pitch-choose"),
    path("pitches/<int:pitch_id>/decline/", views.pitch_decline_view, name="pitch-decline"),
    path("pitches/<int:pitch_id>/confirm/", views.pitch_confirm_view, name="pitch-confirm"),
    path("pitches/<int:pitch_id>/withdraw/", views.pitch_withdraw_view, name="pitch-withdraw"),
    path("pitches/<int:pitch_id>/edit/", views.pitch_edit, name="pitch-edit"),
    path("pitches/<int:pitch_id>/presenter/", views.presenter, name="pitch-presenter"),
    path("pitches/<int:pitch_id>/board.json", views.presenter_json, name="pitch-board-json"),
    path("pitches/<int:pitch_id>/follow-up/", views.follow_up, name="pitch-follow-up"),
    path("f/<str:code>/", views.card_phone, name="fair-card"),
    path("f/<str:code>/qr.svg", views.pitch_qr, name="fair-card-qr"),
    path("f/<str:code>/thanks/<uuid:card_id>/", views.card_thanks, name="fair-card-thanks"),
]
