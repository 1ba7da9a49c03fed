"""The header shows each role the way to its area, at the cost of at most one query, and none when anonymous;
a project owner's own projects page lists only their projects and pitches."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from tests.factories import ProjectFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def header_links(html: str) -> list[str]:
    header = html.split('<header class="site">', 1)[1].split("</header>", 1)[0]
    return re.findall(r'<a[^>]*href="([^"]+)"', header)


@pytest.mark.parametrize(
    ("roles", "shown", "hidden"),
    [
        ((Role.SAVER,), ["/my/pledges/", "/my/preferences/"], ["/my/projects/", "/treasury/", "/ops/jobs/", "/funds/"]),
        ((Role.SAVER, Role.PROJECT_OWNER), ["/my/pledges/", "/my/projects/"], ["/treasury/", "/ops/jobs/"]),
        ((Role.TREASURER,), ["/treasury/", "/ops/jobs/", "/my/preferences/"], ["/my/projects/", "/fairs/"]),
        ((Role.ORGANISER,), ["/funds/", "/fairs/", "/ops/jobs/"], ["/treasury/", "/my/projects/"]),
    ],
)
def test_header_shows_each_role_its_area(client, roles, shown, hidden) -> None:
    login_verified(client, UserFactory(roles=roles))
    links = header_links(client.get("/").content.decode())
    for href in shown:
        assert href in links
    for href in hidden:
        assert href not in links


def test_header_links_of_every_role_answer(client) -> None:
    user = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER, Role.TREASURER, Role.ORGANISER))
    login_verified(client, user)
    for href in header_links(client.get("/").content.decode()):
        assert client.get(href).status_code == 200, href


def test_role_links_cost_one_query_per_page_and_none_for_anonymous(client) -> None:
    def queries_for_home() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    anonymous = queries_for_home()
    assert not [sql for sql in anonymous if "auth_group" in sql]
    login_verified(client, UserFactory(roles=(Role.TREASURER, Role.ORGANISER, Role.PROJECT_OWNER)))
    group_queries = [sql for sql in queries_for_home() if "auth_group" in sql and "permission" not in sql]
    assert len(group_queries) == 1


def test_my_projects_lists_only_the_owners_projects(client, owner) -> None:
    mine = ProjectFactory(owner=owner, name="Kvarnens kafé")
    ProjectFactory(name="Någon annans vindkraft")
    login_verified(client, owner)
    response = client.get("/my/projects/")
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.name in body and "Någon annans vindkraft" not in body
    assert "/my/engagements/" in body


def test_my_projects_asks_an_anonymous_visitor_to_log_in(client) -> None:
    response = client.get("/my/projects/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_favicon_ico_points_browsers_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("web/favicon.svg")
