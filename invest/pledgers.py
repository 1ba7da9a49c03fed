"""A project owner's pledgers in their ordinary pools (selectors: reads only).

The owner sees, per pool of their own projects, the pledgers who agreed to be contacted: name, contact,
what they pledged, how much and what has been paid so far, and the latest follow-up note. Pledgers who did
not agree stay out of the list (they are counted, not named). Fair pitches have their own list in
invest/fairs/selectors.py; both are followed up through the same follow-up log."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from communities.models import MembershipRole
from communities.selectors import community_ids_for
from invest.fairs.models import PledgeFollowUp
from invest.fairs.services.lifecycle import user_may_manage_fairs
from pools.models import Pledge, PledgeStatus, Pool, PoolStatus


@dataclass
class PoolPledger:
    """One pledge as its project owner may see it (only pledges whose saver agreed to be contacted)."""

    pledge: Pledge
    name: str
    email: str
    phone: str
    received_ore: int
    latest: PledgeFollowUp | None


def owner_pool_list(*, user: User | AnonymousUser) -> QuerySet[Pool]:
    """The pools of the user's own projects (drafts left out), with how many pledgers may be contacted."""
    if not user.is_authenticated:
        return Pool.objects.none()
    active = ~Q(pledges__status=PledgeStatus.WITHDRAWN)
    return (
        Pool.objects.filter(project__owner=user)
        .exclude(status=PoolStatus.DRAFT)
        .select_related("project")
        .annotate(
            contactable_count=Count("pledges", filter=active & Q(pledges__may_contact=True)),
            pledge_count=Count("pledges", filter=active),
        )
        .order_by("project__name", "title")
    )


def owner_pool_get(*, user: User | AnonymousUser, pool_id: int) -> Pool:
    """One pool of the user's own project (or any project's of their community, for an organiser); 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    pools = Pool.objects.select_related("project").exclude(project=None).filter(pk=pool_id)
    # Two reads, each naming its scope (an OR of both would scope neither): a pool of the user's own project,
    # else, for an organiser, a project's pool in a community they organise.
    pool = pools.filter(project__owner=user).first()
    if pool is None and user_may_manage_fairs(user):
        ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)
        pool = (pools if ids is None else pools.filter(community_id__in=ids)).first()
    if pool is None:
        raise Http404
    return pool


def pool_pledgers_for_owner(*, pool: Pool) -> list[PoolPledger]:
    """The pool's pledgers who agreed to be contacted, oldest pledge first, with money received so far.
    The pool must come from owner_pool_get."""
    pledges = (
        Pledge.objects.filter(pool=pool, may_contact=True)
        .exclude(status=PledgeStatus.WITHDRAWN)
        .select_related("saver")
        .annotate(received=Coalesce(Sum("allocations__amount_ore"), Value(0)))
        .prefetch_related(Prefetch("follow_ups", queryset=PledgeFollowUp.objects.order_by("created_at", "pk")))
        .order_by("pk")
    )
    rows = []
    for pledge in pledges:
        saver = pledge.saver if pledge.saver_id else None
        notes = list(pledge.follow_ups.all())
        rows.append(
            PoolPledger(
                pledge=pledge,
                name=pledge.pledger_name,
                email=(saver.email if saver else pledge.contact_email) or "",
                phone=pledge.contact_phone or (saver.phone if saver else ""),
                received_ore=int(getattr(pledge, "received", 0)),  # the annotation above
                latest=notes[-1] if notes else None,
            )
        )
    return rows


def pool_pledge_get_for_owner(*, pool: Pool, pledge_id: int) -> Pledge:
    """A contactable pledge of the owner's pool, for a follow-up note; 404 otherwise."""
    try:
        return Pledge.objects.get(pk=pledge_id, pool=pool, may_contact=True)
    except Pledge.DoesNotExist as exc:
        raise Http404 from exc
