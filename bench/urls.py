"""Bench-only routes (LOKALKAPITAL_BENCH=1)."""

from django.urls import path

from bench import views

urlpatterns = [
    path("pools/", views.BarePoolListView.as_view()),
    path("pools/<int:pk>/", views.BarePoolDetailView.as_view()),
    path("pools/<int:pool_id>/pledges/", views.BarePledgeCreateView.as_view()),
    path("scale/pools/", views.bare_pool_search),
    path("scale/c/<slug:slug>/", views.bare_community_page),
    path("scale/pools/<int:pool_id>/", views.bare_pool_page),
    path("scale/my/pledges/", views.bare_my_pledges),
    path("scale/treasury/overview/", views.bare_overview_report),
    path("scale/sel/pools/", views.selector_pool_search),
    path("scale/sel/c/<slug:slug>/", views.selector_community_page),
    path("scale/sel/pools/<int:pool_id>/", views.selector_pool_page),
    path("scale/sel/my/pledges/", views.selector_my_pledges),
    path("scale/sel/treasury/overview/", views.selector_overview_report),
]
