"""Root URLs: pages, the JSON API, the admin and the health check."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from api.health import HealthView

urlpatterns = [
    path("healthz", HealthView.as_view(), name="healthz"),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]
if settings.DEBUG:
    # Development serves only the public uploads (community logos, project documents). Bank files and report
    # files under MEDIA_ROOT are private: they are downloaded through their views, which check who asks.
    urlpatterns += [
        re_path(
            r"^%s(?P<path>(?:communities|projects)/(?!.*\.\.).+)$" % settings.MEDIA_URL.lstrip("/"),  # noqa: UP031
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Under /api/ unmatched URLs and crashes answer JSON, like every other API error.
handler400 = "api.errors.bad_request"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"

if settings.BENCH_VIEWS:
    # Baseline views for bench/api.py only; never set LOKALKAPITAL_BENCH on a real site.
    urlpatterns.insert(0, path("bench/", include("bench.urls")))
