"""The API docs page (Swagger UI from drf-spectacular-sidecar, served by us: no CDN).

The split view serves the start-up script as a file, so the page runs under the site's
content security policy without inline scripts; Swagger UI's icons are data: images.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularSwaggerSplitView


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
