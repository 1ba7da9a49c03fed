"""The follow-up of pledges by project owners and organisers: what came of each. Fair pledges are followed
up whatever their contact choice (the card was filled in face to face); pledges to ordinary pools only where
the saver agreed to be contacted."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from invest.fairs.errors import (
    FairNotAllowed,
    FollowUpRefused,
)
from invest.fairs.models import (
    FollowUpOutcome,
    PledgeFollowUp,
)
from invest.fairs.services.cards import MAX_TEXT
from invest.fairs.services.lifecycle import user_may_manage_fairs
from pools.models import Pledge, PledgeSource


@transaction.atomic
def pledge_follow_up_record(*, pledge: Pledge, by: User, outcome: str, note: str = "") -> PledgeFollowUp:
    """The project owner (or an organiser) notes how following up a pledge went.
    Raises FairNotAllowed, FollowUpRefused."""
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("pool__project").get(pk=pledge.pk)
    project = pledge.pool.project
    if project is None or not (project.owner_id == by.pk or user_may_manage_fairs(by)):
        raise FairNotAllowed()
    if pledge.source != PledgeSource.FAIR_CARD and not pledge.may_contact:
        raise FollowUpRefused(_("This saver did not agree to be contacted."), field="pledge")
    if outcome not in FollowUpOutcome.values:
        raise FollowUpRefused(_("Choose an outcome."), field="outcome")
    if len(note) > MAX_TEXT:
        raise FollowUpRefused(_("Keep the note under 2000 characters."), field="note")
    return PledgeFollowUp.objects.create(pledge=pledge, author=by, outcome=outcome, note=note.strip())
