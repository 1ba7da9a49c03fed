"""Guard: every page route that takes a form POST has a row in the dead-Redis walk.

tests/integration/test_redis_down.py posts every row of PAGE_FORMS with Redis down and asserts no
response is 500 or more; a form route merged later without a row would escape it, so this fails.
"""

from __future__ import annotations

from tests.api.routes import page_form_routes
from tests.integration.page_forms import PAGE_FORMS


def test_every_page_form_route_has_a_row_in_the_dead_redis_walk() -> None:
    covered = {row.route for row in PAGE_FORMS}
    missing = sorted(set(page_form_routes()) - covered)
    assert not missing, "add rows for these page forms to tests/integration/page_forms.py: " + ", ".join(missing)


def test_page_form_rows_name_real_routes() -> None:
    stale = sorted({row.route for row in PAGE_FORMS} - set(page_form_routes()))
    assert not stale, f"rows for routes that no longer take a POST: {stale}"


def test_the_route_walk_finds_function_and_class_view_forms() -> None:
    routes = page_form_routes()
    assert "login/" in routes  # a class-based view with post()
    assert "pools/<int:pool_id>/pledge/" in routes  # a function view that handles POST
    assert "my/data.json" not in routes  # GET only
    assert not [r for r in routes if r.startswith(("api/", "admin/"))]
