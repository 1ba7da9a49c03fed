# ruff: noqa: S608 -- the statements here are SQL text for the recorder to parse, never executed
"""The scoping recorder (tests/scoping.py) itself: its rule on SQL, and that it catches an unscoped read
while a treasurer is served and lets a scoped one through. These run in every pass, recorder on or off."""

from __future__ import annotations

import pytest
from django.urls import path, reverse

from accounts.roles import Role
from communities.models import CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.scoping import Recorder, fail_on_violations, is_community_staff, unscoped_tables
from tests.twofactor import login_verified
from treasury.models import BankFile

POOL = '"pools_pool"'


def q(sql: str) -> tuple[str, ...]:
    return unscoped_tables(sql)


@pytest.mark.parametrize(
    ("sql", "unscoped"),
    [
        # A primary-key fetch is how another community's row leaks.
        (f'SELECT {POOL}."id" FROM {POOL} WHERE {POOL}."id" = %s', ("pools_pool",)),
        (f'SELECT {POOL}."id" FROM {POOL}', ("pools_pool",)),
        # Rule 1: a community_id comparison, also as IN, IS NULL, or an OR of them.
        (f'SELECT {POOL}."id" FROM {POOL} WHERE ({POOL}."community_id" IN (%s, %s) AND {POOL}."id" = %s)', ()),
        (
            'SELECT * FROM "treasury_auditevent" WHERE ("treasury_auditevent"."community_id" IN (%s) '
            'OR "treasury_auditevent"."community_id" IS NULL)',
            (),
        ),
        # An OR with a branch that names no community does not restrict.
        (f'SELECT * FROM {POOL} WHERE ({POOL}."community_id" = %s OR {POOL}."id" = %s)', ("pools_pool",)),
        (f'SELECT * FROM {POOL} WHERE NOT ({POOL}."community_id" = %s)', ("pools_pool",)),
        # Rule 2: joined to a scoped table (both ways in an inner join).
        (
            f'SELECT * FROM {POOL} INNER JOIN "invest_project" ON ({POOL}."project_id" = "invest_project"."id") '
            'WHERE "invest_project"."community_id" = %s',
            (),
        ),
        # ... but a LEFT JOIN's ON does not restrict its left side.
        (
            f'SELECT * FROM {POOL} LEFT OUTER JOIN "invest_project" ON ({POOL}."project_id" = "invest_project"."id" '
            'AND "invest_project"."community_id" = %s)',
            ("pools_pool",),
        ),
        # ... unless the joined table is restricted in the WHERE (the join is an inner one then).
        (
            f'SELECT * FROM {POOL} LEFT OUTER JOIN "invest_project" ON ({POOL}."project_id" = "invest_project"."id") '
            'WHERE "invest_project"."community_id" = %s',
            (),
        ),
        # Rule 3: filtered by a parent row scoped in the same statement.
        (
            f'SELECT * FROM {POOL} WHERE {POOL}."micro_fund_id" IN '
            '(SELECT U0."id" FROM "invest_microfund" U0 WHERE U0."community_id" IN (%s))',
            (),
        ),
        (
            f'SELECT * FROM {POOL} WHERE {POOL}."micro_fund_id" IN (SELECT U0."id" FROM "invest_microfund" U0)',
            ("invest_microfund", "pools_pool"),
        ),
        # Rule 4: a correlated subquery equated with a scoped outer row.
        (
            f'SELECT {POOL}."id", (SELECT U0."title" FROM "invest_project" U0 WHERE U0."id" = {POOL}."project_id") '
            f'FROM {POOL} WHERE {POOL}."community_id" = %s',
            (),
        ),
        # Rule 6: a person's own rows (a pledge by its saver) carry their scope through joins to the pool and project.
        (
            f'SELECT * FROM "pools_pledge" INNER JOIN {POOL} ON ("pools_pledge"."pool_id" = {POOL}."id") '
            f'LEFT OUTER JOIN "invest_project" ON ({POOL}."project_id" = "invest_project"."id") '
            'WHERE ("pools_pledge"."id" = %s AND "pools_pledge"."saver_id" = %s)',
            (),
        ),
        ('SELECT * FROM "invest_project" WHERE ("invest_project"."id" = %s AND "invest_project"."owner_id" = %s)', ()),
        # ... a fund by the organiser who runs it, carried to the fund's pool by the join.
        (
            f'SELECT * FROM {POOL} INNER JOIN "invest_microfund" ON ({POOL}."micro_fund_id" = "invest_microfund"."id") '
            f'WHERE ({POOL}."id" = %s AND "invest_microfund"."organiser_id" = %s)',
            (),
        ),
        # ... but only as a condition: a person column under an OR with a key fetch does not restrict.
        (
            'SELECT * FROM "invest_project" WHERE ("invest_project"."id" = %s OR "invest_project"."owner_id" = %s)',
            ("invest_project",),
        ),
        # ... and another column of a person (who changed it last) is no scope.
        ('SELECT * FROM "invest_project" WHERE "invest_project"."updated_by_id" = %s', ("invest_project",)),
        # Tables without a community column, and writes, are not judged.
        ('SELECT * FROM "pools_pledge" WHERE "pools_pledge"."id" = %s', ()),
        (f'UPDATE {POOL} SET "title" = %s WHERE {POOL}."id" = %s', ()),
        ("SELECT * FROM pools_pool WHERE ((", ("<unparsed>",)),
    ],
)
def test_the_rule_on_sql(sql, unscoped):
    assert q(sql) == unscoped


@pytest.fixture
def two_communities(db):
    mine = community_create(name="Östby", slug="ostby-rec", bankgiro="5050-1055")
    theirs = community_create(name="Västby", slug="vastby-rec", bankgiro="5402-9681")
    treasurer = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=treasurer).delete()
    membership_grant(user=treasurer, community=mine, role=MembershipRole.TREASURER)
    for community in (mine, theirs):
        PoolFactory(project=ProjectFactory(community=community))
        BankFile.objects.create(
            community=community,
            sha256=community.slug.ljust(64, "0"),
            format="bgmax",
            content=b"x",
            original_name=f"{community.slug}.txt",
            imported_by=treasurer,
        )
    return mine, theirs, treasurer


def test_staff_are_judged_and_savers_are_not(two_communities):
    _, _, treasurer = two_communities
    assert is_community_staff(treasurer)
    assert not is_community_staff(UserFactory(roles=(Role.SAVER,)))
    assert not is_community_staff(UserFactory(roles=(Role.TREASURER,), is_staff=True))


@pytest.fixture
def recorder():
    recorder = Recorder()
    undo = recorder.install()
    yield recorder
    undo()


def test_the_scoped_bank_file_page_passes(two_communities, client, recorder):
    mine, _, treasurer = two_communities
    login_verified(client, treasurer)
    response = client.get(reverse("web:treasury:bankfile-list"))
    assert response.status_code == 200
    assert [f.community_id for f in response.context["bank_files"]] == [mine.pk]
    assert recorder.checked_requests == 1 and recorder.checked_statements > 0
    assert recorder.violations == []


def test_an_unscoped_selector_under_the_recorder_fails_the_test(
    two_communities, client, recorder, monkeypatch, request
):
    """The bank file page with its selector swapped for one that forgets the community: caught, and the
    test that made the request fails with the statement and the function that issued it."""
    _, _, treasurer = two_communities

    def bankfile_list_unscoped(*, user=None):
        return BankFile.objects.defer("content").order_by("-imported_at", "-pk")

    monkeypatch.setattr("web.treasury.bankfile_list", bankfile_list_unscoped)
    login_verified(client, treasurer)
    response = client.get(reverse("web:treasury:bankfile-list"))
    assert len(response.context["bank_files"]) == 2  # the other community's file shows: the leak it catches
    [violation] = recorder.violations
    assert violation.tables == ("treasury_bankfile",)
    assert violation.path == reverse("web:treasury:bankfile-list")
    with pytest.raises(AssertionError, match="treasury_bankfile read without a community condition"):
        fail_on_violations(recorder.violations)
    # With `--scope-recorder` the run's own recorder saw the same read: it is this test's point, not a failure.
    plugin = request.config.pluginmanager.get_plugin("scope-recorder")
    if plugin is not None:
        assert any(v.tables == ("treasury_bankfile",) for v in plugin.recorder.violations)
        plugin.recorder.violations.clear()


def test_an_anonymous_public_page_is_not_judged(two_communities, client, recorder):
    assert client.get(reverse("web:home")).status_code == 200
    assert recorder.checked_requests == 0 and recorder.violations == []


def _streamed_unscoped(request):
    """A streaming response whose rows are read only as it is consumed (like a large CSV export)."""
    from django.http import StreamingHttpResponse

    def rows():
        for bank_file in BankFile.objects.order_by("pk"):  # every community's: the leak to catch
            yield f"{bank_file.original_name}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


urlpatterns = [path("streamed/", _streamed_unscoped)]


@pytest.mark.urls("tests.test_scoping_recorder")
def test_the_statements_of_a_streamed_response_are_judged_too(two_communities, client, recorder, request):
    _, _, treasurer = two_communities
    login_verified(client, treasurer)
    response = client.get("/streamed/")
    assert b"".join(response.streaming_content).count(b".txt") == 2  # the test still reads the whole body
    [violation] = recorder.violations
    assert violation.tables == ("treasury_bankfile",) and violation.path == "/streamed/"
    plugin = request.config.pluginmanager.get_plugin("scope-recorder")
    if plugin is not None:
        plugin.recorder.violations.clear()
