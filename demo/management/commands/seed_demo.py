"""Seed a believable Swedish village: projects, pools of each kind, a micro-fund, savers,
pledges and payments. Idempotent: a second run with the same options changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone, translation
from tqdm import tqdm

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create, user_set_roles
from invest.models import MicroFund, Project, ProjectStatus
from invest.services import micro_fund_create, project_create, project_set_status
from pools.models import (
    FundingRule,
    PaymentChannel,
    Pledge,
    PledgeKind,
    Pool,
    PoolKind,
)
from pools.services import payment_allocate, payment_record, pledge_create, pool_open
from pools.totals import pool_totals_recompute

DEMO_PASSWORD = "lokal-demo-2026"
DEMO_USERS = [
    ("sparare@demo.lokalkapital.se", "Sara Sparare", (Role.SAVER,), "sv"),
    ("saver.en@demo.lokalkapital.se", "Sam Saver", (Role.SAVER,), "en"),
    ("agare@demo.lokalkapital.se", "Olle Ägare", (Role.SAVER, Role.PROJECT_OWNER), "sv"),
    ("kassor@demo.lokalkapital.se", "Karin Kassör", (Role.TREASURER,), "sv"),
    ("kassor2@demo.lokalkapital.se", "Kalle Kassör", (Role.TREASURER,), "sv"),
    ("arrangor@demo.lokalkapital.se", "Anna Arrangör", (Role.ORGANISER,), "sv"),
    ("kassor.kvarnbyn@demo.lokalkapital.se", "Kerstin Kassör", (Role.TREASURER,), "sv"),
    ("arrangor.kvarnbyn@demo.lokalkapital.se", "Kjell Arrangör", (Role.ORGANISER,), "sv"),
    ("kassor.norr@demo.lokalkapital.se", "Nora Kassör", (Role.TREASURER,), "sv"),
    ("fond.norr@demo.lokalkapital.se", "Fredrik Fondförvaltare", (Role.ORGANISER,), "en"),
]
FIRST = ["Anna", "Erik", "Maja", "Lars", "Ingrid", "Johan", "Elsa", "Nils", "Karin", "Gustav", "Åsa", "Örjan"]
LAST = ["Andersson", "Berg", "Lindqvist", "Nyström", "Öberg", "Åkesson", "Holm", "Sjöberg", "Eklund"]
SKILLS = ["Bokföring", "Snickeri", "Webbdesign", "Marknadsföring", "Elinstallation", "Bakning"]


class Command(BaseCommand):
    help = "Seed the demo village (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--savers", type=int, default=40, help="number of demo savers (default 40)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--quiet", action="store_true", help="no progress bar or logins")

    def handle(self, *args: Any, **options: Any) -> None:
        from demo.seeders import history

        rng = random.Random(options["seed"])
        started = timezone.now()
        from demo.seeders.communities import communities_seed, memberships_seed, showcase_seed

        # The village's stored texts (bank file line notes and the like) are in Swedish, whatever language
        # the caller left active.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            communities = communities_seed()  # first: the village's rows go to Ödeby, the first community
            people = self._people()
            memberships_seed(people=people, communities=communities)
            pools = self._projects_and_pools(people)
            self._savers(options["savers"], pools, rng, quiet=options["quiet"])
            self._extend(people, pools, rng)
            showcase_seed(people=people, communities=communities)
            # Last: move what this run recorded "now" into the past months, so as-of reports have a history.
            history.backdate(since=started)
        for pool in pools.values():
            pool_totals_recompute(pool_id=pool.pk)
        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password {DEMO_PASSWORD}):"))
            from demo.seeders.communities import MEMBERSHIPS

            for email, _name, roles, _lang in DEMO_USERS:
                where = MEMBERSHIPS.get(email.split("@")[0], ("", ()))[0]
                self.stdout.write(f"  {', '.join(str(r) for r in roles):28} {email:44} {where}")
            self.stdout.write("  admin (staff)                admin@demo.lokalkapital.se")

    def _extend(self, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
        """Each capability adds its own demo rows (demo/seeders/<area>.py), idempotently."""
        from demo.seeders import api, fairs, funds, offers, savers, treasury, workers

        for seeder in (savers, funds, fairs, workers, treasury, api, offers):
            seeder.seed(people=people, pools=pools, rng=rng)

    def _people(self) -> dict[str, User]:
        people: dict[str, User] = {}
        for email, name, roles, lang in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=DEMO_PASSWORD, full_name=name, language=lang, roles=roles)
                user.email_confirmed_at = timezone.now()
                user.save(update_fields=["email_confirmed_at"])
            people[email.split("@")[0]] = user
        if not User.objects.filter(email="admin@demo.lokalkapital.se").exists():
            admin = User.objects.create_superuser("admin@demo.lokalkapital.se", DEMO_PASSWORD, full_name="Admin")
            user_set_roles(user=admin, roles=(Role.TREASURER, Role.ORGANISER))
        return people

    def _projects_and_pools(self, people: dict[str, User]) -> dict[str, Pool]:
        owner, organiser = people["agare"], people["arrangor"]
        today = timezone.localdate()
        projects = {
            "butik": ("Byns Lanthandel", "Ödeby", "Bygdens egen butik med post, apotek och café.", 250_000_000),
            "vind": ("Ödeby Vind ekonomisk förening", "Ödeby", "Ett vindkraftverk ägt av bygden.", 1_800_000_000),
            "kafe": ("Kafé Kvarnen", "Kvarnbyn", "Kafé och mötesplats i den gamla kvarnen.", 40_000_000),
        }
        made: dict[str, Project] = {}
        for key, (name, place, summary, need) in projects.items():
            project = Project.objects.filter(name=name, place=place).first()
            if project is None:
                project = project_create(
                    owner=owner,
                    name=name,
                    place=place,
                    summary=summary,
                    description=summary + " Lokalt ägt, lokalt drivet.",
                    loan_need_ore=need,
                )
                project_set_status(project=project, by=owner, status=ProjectStatus.PUBLISHED)
            made[key] = project
        fund = MicroFund.objects.filter(name="Ödebygdens Mikrofond").first()
        if fund is None:
            fund = micro_fund_create(
                organiser=organiser,
                name="Ödebygdens Mikrofond",
                description="Medlemmarnas kapital går i borgen för bygdens företag.",
                bankgiro="5050-1055",
            )
        specs = {
            "stodspar-butik": dict(
                title="Stödspara för Byns Lanthandel",
                kind=PoolKind.SUPPORT_SAVING,
                project=made["butik"],
                target_ore=200_000_000,
                minimum_ore=50_000_000,
                max_per_saver_ore=20_000_000,
                member_bank="Sparbanken Bygd",
                funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
            ),
            "andelar-vind": dict(
                title="Andelar i Ödeby Vind",
                kind=PoolKind.SHARE_OFFER,
                project=made["vind"],
                target_ore=500_000_000,
                minimum_ore=300_000_000,
                cap_ore=600_000_000,
                share_price_ore=500_000,
                max_per_saver_ore=10_000_000,
                funding_rule=FundingRule.ALL_OR_NOTHING,
            ),
            "kapital-fond": dict(
                title="Insatskapital till Ödebygdens Mikrofond",
                kind=PoolKind.FUND_CAPITAL,
                micro_fund=fund,
                target_ore=100_000_000,
                share_price_ore=100_000,
                funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
            ),
            "massa-kafe": dict(
                title="Kafé Kvarnen på Ödebymässan",
                kind=PoolKind.FAIR,
                project=made["kafe"],
                target_ore=15_000_000,
                funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
            ),
        }
        pools: dict[str, Pool] = {}
        for slug, spec in specs.items():
            pool = Pool.objects.filter(slug=slug).first()
            if pool is None:
                pool = Pool.objects.create(
                    slug=slug,
                    opens_on=today - timedelta(days=30),
                    closes_on=today + timedelta(days=60),
                    bankgiro="5050-1055",
                    description=str(spec["title"]) + ".",
                    **spec,
                )
                pool = pool_open(pool=pool)
            pools[slug] = pool
        return pools

    def _savers(self, count: int, pools: dict[str, Pool], rng: random.Random, *, quiet: bool) -> None:
        existing = set(
            User.objects.filter(email__startswith="sparare", email__endswith="@demo.lokalkapital.se").values_list(
                "email", flat=True
            )
        )
        for index in tqdm(range(1, count + 1), disable=quiet or count < 200, desc="savers"):
            email = f"sparare{index:05d}@demo.lokalkapital.se"
            if email in existing:
                continue
            rng_i = random.Random(f"{rng.random()}-{index}")
            name = f"{rng_i.choice(FIRST)} {rng_i.choice(LAST)}"
            saver = user_create(email=email, password=None, full_name=name, language="sv", roles=(Role.SAVER,))
            self._pledges_for(saver, pools, rng_i)

    def _pledges_for(self, saver: User, pools: dict[str, Pool], rng: random.Random) -> None:
        made: list[Pledge] = []
        roll = rng.random()
        if roll < 0.5:
            made.append(
                pledge_create(
                    pool=pools["stodspar-butik"],
                    saver=saver,
                    kind=PledgeKind.SUPPORT_SAVING,
                    monthly_ore=rng.choice([20_000, 50_000, 100_000]),
                    months=12,
                )
            )
        elif roll < 0.7:
            made.append(
                pledge_create(
                    pool=pools["stodspar-butik"],
                    saver=saver,
                    kind=PledgeKind.SUPPORT_SAVING,
                    amount_ore=rng.choice([1_000_000, 2_500_000]),
                    term_months=24,
                )
            )
        if rng.random() < 0.5:
            made.append(
                pledge_create(
                    pool=pools["andelar-vind"], saver=saver, kind=PledgeKind.SHARE, share_count=rng.randint(1, 4)
                )
            )
        if rng.random() < 0.3:
            made.append(
                pledge_create(
                    pool=pools["kapital-fond"], saver=saver, kind=PledgeKind.SHARE, share_count=rng.randint(1, 5)
                )
            )
        if rng.random() < 0.3:
            made.append(
                pledge_create(
                    pool=pools["massa-kafe"],
                    saver=saver,
                    kind=PledgeKind.TIME,
                    description="Hjälp till vid invigningen",
                    quantity=Decimal(rng.randint(2, 10)),
                )
            )
        if rng.random() < 0.2:
            made.append(
                pledge_create(
                    pool=pools["massa-kafe"], saver=saver, kind=PledgeKind.SKILL, description=rng.choice(SKILLS)
                )
            )
        for pledge in made:
            # Demo savers have had their receipts already.
            Pledge.objects.filter(pk=pledge.pk).update(receipt_sent_at=timezone.now())
            if pledge.is_money and pledge.kind != PledgeKind.SUPPORT_SAVING and rng.random() < 0.6:
                pledged = pledge.amount_ore or 0
                amount = pledged if rng.random() < 0.8 else pledged // 2
                payment = payment_record(
                    amount_ore=amount,
                    received_on=timezone.localdate() - timedelta(days=rng.randint(1, 20)),
                    channel=PaymentChannel.BGMAX,
                    reference=pledge.ocr_reference or "",
                    payer_name=saver.full_name,
                )
                payment_allocate(payment=payment, parts=[(pledge, amount)], by=None)
