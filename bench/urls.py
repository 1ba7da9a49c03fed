"""Bench-only routes (LOKALKAPITAL_BENCH=1)."""

from django.urls import path

from bench import views

urlpatterns = [
    path("pools/", views.BarePoolListView.as_view()),
    path("pools/<int:pk>/", views.BarePoolDetailView.as_view()),
    path("pools/<int:pool_id>/pledges/", views.BarePledgeCreateView.as_view()),
]
