"""Every endpoint x every role: who may read and write what.

MATRIX holds one row per (method, route). A guard walks the URL resolver and fails when
an endpoint under /api/ has no row, so endpoints merged later cannot escape the matrix:
add a row (route exactly as the resolver prints it) with the expected status per role.

Objects a role may not see answer 404, not 403. Treasurers and organisers are logged in
with two-factor verification (the `login_as` fixture); everyone else by session too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from invest.models import ProjectStatus
from pools.models import Pool, PoolStatus
from tests.api.routes import api_routes
from tests.factories import PoolFactory, ProjectFactory, UserFactory

ROLES = ("anonymous", "saver", "other_saver", "owner", "other_owner", "treasurer", "organiser")
PASSWORD = "correct horse battery staple"  # UserFactory's


@dataclass
class World:
    users: dict[str, Any]
    project: Any  # published, owned by "owner"
    draft_project: Any  # draft, owned by "owner"
    pool: Any  # open, of `project`
    draft_pool: Any  # draft, of `project`


@pytest.fixture
def world(db) -> World:
    users = {
        "anonymous": None,
        "saver": UserFactory(roles=(Role.SAVER,)),
        "other_saver": UserFactory(roles=(Role.SAVER,)),
        "owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)),
        "other_owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)),
        "treasurer": UserFactory(roles=(Role.TREASURER,)),
        "organiser": UserFactory(roles=(Role.ORGANISER,)),
    }
    project = ProjectFactory(owner=users["owner"])
    draft_project = ProjectFactory(owner=users["owner"], status=ProjectStatus.DRAFT, published_at=None)
    ProjectFactory(owner=users["other_owner"])
    pool = PoolFactory(project=project)
    draft_pool = PoolFactory(project=project, status=PoolStatus.DRAFT)
    return World(users=users, project=project, draft_project=draft_project, pool=pool, draft_pool=draft_pool)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


@dataclass
class Row:
    method: str
    route: str  # as the URL resolver prints it
    url: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World, str], dict[str, Any]] | None = None
    note: str = ""
    after: Callable[[World, str, Any], None] | None = field(default=None)


def _token_body(world: World, role: str) -> dict[str, Any]:
    user = world.users[role]
    if user is None:
        return {"email": "nobody@example.se", "password": PASSWORD}
    return {"email": user.email, "password": PASSWORD}


MATRIX = [
    Row("GET", "healthz", lambda w: "/healthz", everyone(200)),
    Row("GET", "api/", lambda w: "/api/", everyone(200)),
    Row(
        "POST",
        "api/auth/token/",
        lambda w: "/api/auth/token/",
        {
            "anonymous": 400,  # unknown email
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 403,  # no tokens for two-factor roles
            "organiser": 403,
        },
        body=_token_body,
        note="each role posts its own email and password",
    ),
    Row("GET", "api/pools/", lambda w: "/api/pools/", everyone(200)),
    Row("GET", "api/pools/<int:pk>/", lambda w: f"/api/pools/{w.pool.pk}/", everyone(200), note="open pool"),
    Row(
        "GET",
        "api/pools/<int:pk>/",
        lambda w: f"/api/pools/{w.draft_pool.pk}/",
        everyone(404),
        note="a draft pool is nobody's to see over the API",
    ),
    Row("GET", "api/projects/", lambda w: "/api/projects/", everyone(200)),
    Row(
        "GET",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.project.pk}/",
        everyone(200),
        note="published project",
    ),
    Row(
        "GET",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.draft_project.pk}/",
        {
            "anonymous": 404,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
        },
        note="draft project: its owner and organisers only",
    ),
    Row("GET", "api/schema/", lambda w: "/api/schema/", everyone(200)),
    Row("GET", "api/docs/", lambda w: "/api/docs/", everyone(200)),
]


def _client_for(role: str, world: World, login_as: Callable[..., Any]) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None:
        login_as(client, user)
    return client


def _send(client: APIClient, row: Row, world: World, role: str) -> Any:
    body = row.body(world, role) if row.body else None
    return getattr(client, row.method.lower())(row.url(world), body, format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{r.method} {r.route} {r.note}".strip().replace(" ", "_") for r in MATRIX]
)
def test_permission_matrix(row: Row, role: str, world: World, login_as) -> None:
    client = _client_for(role, world, login_as)
    response = _send(client, row, world, role)
    assert response.status_code == row.expected[role], (row.method, row.url(world), role, response.content[:300])


def test_every_api_endpoint_has_a_row_in_the_matrix() -> None:
    covered = {(row.method, row.route) for row in MATRIX}
    missing = sorted(
        f"{route.method} {route.route}" for route in api_routes() if (route.method, route.route) not in covered
    )
    assert not missing, "add these endpoints to MATRIX in tests/api/test_permission_matrix.py: " + ", ".join(missing)


def test_every_matrix_row_names_every_role() -> None:
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), row


def test_every_api_view_uses_the_two_factor_aware_authentication() -> None:
    from api.authentication import TwoFactorSessionAuthentication, TwoFactorTokenAuthentication

    allowed = {TwoFactorSessionAuthentication, TwoFactorTokenAuthentication}
    for route in api_routes():
        classes = set(getattr(route.view, "authentication_classes", []) or [])
        assert classes <= allowed, f"{route.route} uses {classes - allowed}: treasurer powers would skip two-factor"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_methods_an_endpoint_does_not_offer_answer_405_and_change_nothing(method, world, login_as) -> None:
    offered = {(r.route, r.method) for r in api_routes()}
    client = login_as(APIClient(), world.users["organiser"])
    before = list(Pool.objects.order_by("pk").values())
    for row in MATRIX:
        if (row.route, method) in offered or row.route == "healthz":
            continue
        payload = {"status": "settled", "owner": world.users["saver"].pk, "received": "999999.00", "title": "x"}
        response = getattr(client, method.lower())(row.url(world), payload, format="json")
        assert response.status_code in (404, 405), (method, row.url(world), response.status_code)
    assert list(Pool.objects.order_by("pk").values()) == before


def test_unverified_treasurer_session_is_refused_by_the_api(world) -> None:
    client = APIClient()
    client.force_login(world.users["treasurer"])  # password only, no second factor
    response = client.get("/api/pools/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_saver_token_works_but_treasurer_and_organiser_tokens_are_refused(world) -> None:
    from rest_framework.authtoken.models import Token

    for role, expected in (("saver", 200), ("treasurer", 401), ("organiser", 401)):
        token = Token.objects.create(user=world.users[role])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        response = client.get(f"/api/pools/{world.pool.pk}/")
        assert response.status_code == expected, role


def test_draft_pool_and_others_draft_project_are_not_listed(world, login_as) -> None:
    client = login_as(APIClient(), world.users["other_owner"])
    pool_ids = [p["id"] for p in client.get("/api/pools/?page_size=200").json()["results"]]
    project_ids = [p["id"] for p in client.get("/api/projects/?page_size=200").json()["results"]]
    assert world.pool.pk in pool_ids and world.draft_pool.pk not in pool_ids
    assert world.project.pk in project_ids and world.draft_project.pk not in project_ids
    own = login_as(APIClient(), world.users["owner"]).get("/api/projects/?page_size=200").json()["results"]
    assert world.draft_project.pk in [p["id"] for p in own]


# Fields a client must never set (no mass assignment). An endpoint that really takes one as
# input (a status transition endpoint, say) lists (component, field) in MASS_ASSIGNMENT_ALLOWED.
SERVER_OWNED_FIELDS = {
    "id",
    "status",
    "owner",
    "owner_id",
    "saver",
    "saver_id",
    "received",
    "received_ore",
    "amount_received",
    "pledged",
    "outstanding",
    "totals",
    "ocr_reference",
    "created_at",
    "updated_at",
    "confirmed_at",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
}
MASS_ASSIGNMENT_ALLOWED: set[tuple[str, str]] = set()


def test_no_request_body_accepts_server_owned_fields() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    offenders = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media["schema"].get("$ref", "")
                component = ref.rsplit("/", 1)[-1]
                props = schema["components"]["schemas"].get(component, {}).get("properties", {})
                for name, spec in props.items():
                    if spec.get("readOnly"):
                        continue
                    if name in SERVER_OWNED_FIELDS and (component, name) not in MASS_ASSIGNMENT_ALLOWED:
                        offenders.append(f"{method.upper()} {path}: {component}.{name}")
    assert not offenders, "clients could set server-owned fields: " + ", ".join(sorted(set(offenders)))
