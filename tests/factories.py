"""factory_boy factories for the core models. Money in öre."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import factory
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_roles
from communities.models import MembershipRole
from communities.selectors import default_community
from communities.services import membership_grant
from invest.models import MicroFund, Project, ProjectStatus
from pools.models import FundingRule, Pool, PoolKind, PoolStatus

if TYPE_CHECKING:
    from django_otp.plugins.otp_totp.models import TOTPDevice


# A role's global power -> the community memberships a test user gets with it.
MEMBERSHIP_ROLES = {
    Role.TREASURER: (MembershipRole.TREASURER,),
    Role.ORGANISER: (MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER),
    Role.PROJECT_OWNER: (MembershipRole.PROJECT_OWNER,),
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.se")
    full_name = factory.Faker("name", locale="sv_SE")
    language = "sv"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def roles(self, create: bool, extracted: tuple[Role, ...] | None, **kwargs: object) -> None:
        if create:
            self.save()
            roles = extracted if extracted is not None else (Role.SAVER,)
            user_set_roles(user=self, roles=roles)
            # The role's power applies in the default community (tests written for one association).
            community = default_community()
            for role in roles:
                for membership_role in MEMBERSHIP_ROLES.get(role, ()):
                    membership_grant(user=self, community=community, role=membership_role)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    owner = factory.SubFactory(UserFactory, roles=(Role.SAVER, Role.PROJECT_OWNER))
    name = factory.Sequence(lambda n: f"Bygdeprojekt {n}")
    slug = factory.Sequence(lambda n: f"bygdeprojekt-{n}")
    place = "Ödeby"
    summary = "Ett lokalt projekt"
    loan_need_ore = 10_000_000
    status = ProjectStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class MicroFundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MicroFund

    name = factory.Sequence(lambda n: f"Mikrofond {n}")
    slug = factory.Sequence(lambda n: f"mikrofond-{n}")
    organiser = factory.SubFactory(UserFactory, roles=(Role.ORGANISER,))
    bankgiro = "5050-1055"


class PoolFactory(factory.django.DjangoModelFactory):
    """An open support-saving pool with a kronor target, by default."""

    class Meta:
        model = Pool

    title = factory.Sequence(lambda n: f"Pool {n}")
    slug = factory.Sequence(lambda n: f"pool-{n}")
    kind = PoolKind.SUPPORT_SAVING
    project = factory.SubFactory(ProjectFactory)
    # A pool belongs to its project's (or micro-fund's) community, as the services keep it.
    community = factory.LazyAttribute(
        lambda o: (
            o.project.community
            if o.project is not None
            else (o.micro_fund.community if getattr(o, "micro_fund", None) is not None else default_community())
        )
    )
    target_ore = 100_000_000
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    funding_rule = FundingRule.KEEP_WHAT_YOU_RAISE
    status = PoolStatus.OPEN
    bankgiro = "5050-1055"
    member_bank = "Sparbanken Bygd"


class ShareOfferPoolFactory(PoolFactory):
    kind = PoolKind.SHARE_OFFER
    share_price_ore = 50_000


class FairFactory(factory.django.DjangoModelFactory):
    """A planned fair two weeks ahead, open for applications."""

    class Meta:
        model = "invest.Fair"

    title = factory.Sequence(lambda n: f"Investeringsmässa {n}")
    held_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    starts_at = factory.LazyFunction(lambda: __import__("datetime").time(18, 0))
    place = "Bygdegården, Ödeby"
    capacity = 120
    pitch_slots = 5
    organiser = factory.SubFactory(UserFactory, roles=(Role.ORGANISER,))


def totp_device_for(user: User, *, key: str | None = None) -> TOTPDevice:
    """A confirmed TOTP device for the user (two-factor set up); `key` is hex, random when omitted."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    fields = {"key": key} if key else {}
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True, **fields)


def totp_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
