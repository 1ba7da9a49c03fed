"""Three demo communities: two villages (Ödeby, the first, and Kvarnbyn) and a regional fund host
(Bygdekapital Norr), each with its own treasurer and organiser logins. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from communities.models import Community, CommunityKind, MembershipRole
from communities.selectors import default_community
from communities.services import community_create, community_update, membership_grant
from invest.models import MicroFund, Project, ProjectStatus
from invest.services import micro_fund_create, project_create, project_set_status
from pools.models import FundingRule, Pool, PoolKind
from pools.services import pool_open

ODEBY = {
    "name": "Ödeby bygdeförening",
    "slug": "odeby",
    "kind": CommunityKind.VILLAGE,
    "organisation_number": "802400-1235",
    "bankgiro": "5050-1055",
    "payout_bankgiro": "5050-1055",
    "payout_bic": "SWEDSESS",
    "contact_name": "Karin Kassör",
    "contact_email": "kassor@demo.lokalkapital.se",
    "municipality": "Bergs kommun",
    "region": "Jämtland",
    "colour": "#2f6f4e",
}
OTHERS = {
    "kvarnbyn": {
        "name": "Kvarnbyns byalag",
        "kind": CommunityKind.VILLAGE,
        "organisation_number": "802500-4568",
        "bankgiro": "5402-9681",
        "payout_bankgiro": "5402-9681",
        "payout_bic": "ESSESESS",
        "swish_number": "1234567890",
        "contact_name": "Kerstin i Kvarnbyn",
        "contact_email": "kassor.kvarnbyn@demo.lokalkapital.se",
        "municipality": "Mora kommun",
        "region": "Dalarna",
        "colour": "#8a3b12",
    },
    "bygdekapital-norr": {
        "name": "Bygdekapital Norr",
        "kind": CommunityKind.FUND_HOST,
        "organisation_number": "716400-7895",
        "bankgiro": "5402-8741",
        "payout_bankgiro": "5402-8741",
        "payout_bic": "HANDSESS",
        "contact_name": "Fredrik Fondförvaltare",
        "contact_email": "fond.norr@demo.lokalkapital.se",
        "municipality": "Umeå kommun",
        "region": "Västerbotten",
        "colour": "#1d4f91",
    },
}
# login (before the @) -> (community slug, membership roles)
MEMBERSHIPS = {
    "kassor": ("odeby", (MembershipRole.TREASURER,)),
    "kassor2": ("odeby", (MembershipRole.TREASURER,)),
    "arrangor": ("odeby", (MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER)),
    "agare": ("odeby", (MembershipRole.PROJECT_OWNER,)),
    "kassor.kvarnbyn": ("kvarnbyn", (MembershipRole.TREASURER,)),
    "arrangor.kvarnbyn": ("kvarnbyn", (MembershipRole.ORGANISER,)),
    "kassor.norr": ("bygdekapital-norr", (MembershipRole.TREASURER,)),
    "fond.norr": ("bygdekapital-norr", (MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER)),
}


def communities_seed() -> dict[str, Community]:
    """The first community becomes Ödeby (it holds the village's existing demo rows); the other two are made."""
    first = default_community()
    if first.slug != ODEBY["slug"]:
        first = community_update(community=first, **ODEBY)
    made = {"odeby": first}
    for slug, fields in OTHERS.items():
        community = Community.objects.filter(slug=slug).first()
        made[slug] = community or community_create(slug=slug, **fields)
    return made


def memberships_seed(*, people: dict[str, User], communities: dict[str, Community]) -> None:
    for login, (slug, roles) in MEMBERSHIPS.items():
        user = people.get(login)
        if user is None:
            continue
        for role in roles:
            membership_grant(user=user, community=communities[slug], role=role)


def showcase_seed(*, people: dict[str, User], communities: dict[str, Community]) -> None:
    """Kvarnbyn's own project and open pool, and the fund host's fund with its capital pool."""
    today = timezone.localdate()
    kvarnbyn, norr = communities["kvarnbyn"], communities["bygdekapital-norr"]
    project = Project.objects.filter(name="Kvarnbyns bystuga", community=kvarnbyn).first()
    if project is None:
        project = project_create(
            owner=people["agare"],
            name="Kvarnbyns bystuga",
            place="Kvarnbyn",
            community=kvarnbyn,
            summary="Bystugan får nytt tak, värme och ett kök för bygdens fester.",
            loan_need_ore=80_000_000,
        )
        project_set_status(project=project, by=people["agare"], status=ProjectStatus.PUBLISHED)
    fund = MicroFund.objects.filter(name="Norrbygdens Lånefond").first()
    if fund is None:
        fund = micro_fund_create(
            organiser=people["fond.norr"],
            name="Norrbygdens Lånefond",
            community=norr,
            description="Regional fond som lånar ut till företag i byarna i norr.",
            bankgiro="5402-8741",
        )
    specs = {
        "bystuga-kvarnbyn": {
            "title": "Nytt tak på Kvarnbyns bystuga",
            "kind": PoolKind.SHARE_OFFER,
            "project": project,
            "community": kvarnbyn,
            "target_ore": 30_000_000,
            "share_price_ore": 100_000,
            "bankgiro": "5402-9681",
            "closes_on": today + timedelta(days=10),
        },
        "lanefond-norr": {
            "title": "Insatskapital till Norrbygdens Lånefond",
            "kind": PoolKind.FUND_CAPITAL,
            "micro_fund": fund,
            "community": norr,
            "target_ore": 150_000_000,
            "share_price_ore": 100_000,
            "bankgiro": "5402-8741",
            "closes_on": today + timedelta(days=90),
        },
    }
    for slug, spec in specs.items():
        if Pool.objects.filter(slug=slug).exists():
            continue
        pool = Pool.objects.create(
            slug=slug,
            opens_on=today - timedelta(days=5),
            funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
            description=str(spec["title"]) + ".",
            **spec,
        )
        pool_open(pool=pool)
