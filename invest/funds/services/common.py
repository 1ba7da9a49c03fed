"""Shared by the micro-fund services: bounds, input checks that raise the API's refusals, the fund lock."""

from __future__ import annotations

from datetime import date
from typing import cast

from django.utils import timezone
from django.utils.translation import gettext as _

from invest.funds.errors import (
    FundPermissionDenied,
    InvalidFundInput,
)
from invest.models import MicroFund
from pools.money import MAX_ORE

FIRST_INSTALMENT_AFTER_DAYS = 14


MAX_INTEREST_BP = 5000


def _lock_fund(fund: MicroFund) -> MicroFund:
    """The fund's row locked for a change, read again in its own community (the caller had the fund from a
    selector that read it there), so the statement names the community it acts in."""
    return MicroFund.objects.select_for_update().get(pk=fund.pk, community_id=cast(int, fund.community_id))


def _whole(value: object, *, field: str, low: int, high: int) -> int:
    """A whole number within [low, high], else InvalidFundInput on `field`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidFundInput(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field
        )
    return value


def _money(value: object, *, field: str) -> int:
    return _whole(value, field=field, low=1, high=MAX_ORE)


def _day(value: object, *, field: str, not_after_today: bool = False) -> date:
    if not isinstance(value, date):
        raise InvalidFundInput(_("Give a date as YYYY-MM-DD."), field=field)
    if not_after_today and value > timezone.localdate():
        raise InvalidFundInput(_("The date cannot be in the future."), field=field)
    return value


def _require(ok: bool) -> None:
    if not ok:
        raise FundPermissionDenied()
