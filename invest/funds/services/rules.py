"""A micro-fund's rules: each change is a new version, so earlier decisions keep the rules they were made under."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    FundHasNoRules,
    InvalidFundInput,
)
from invest.funds.models import (
    MAX_BP,
    MAX_EXPOSURE_BP,
    MAX_INSTALMENTS,
    MAX_NOTICE_DAYS,
    RULE_FIELDS,
    FundRulesVersion,
)
from invest.funds.selectors import (
    fund_rules_current,
    user_manages_funds,
)
from invest.funds.services.common import _lock_fund, _require, _whole
from invest.funds.services.totals import fund_totals_enqueue
from invest.models import MicroFund
from pools.money import MAX_ORE

# The API and the pages take kronor and percentages under these names; fund_rules_set takes öre
# and basis points under the names on the right. Names not listed are the same on both sides.
RULE_INPUT_NAMES = {
    "required_share": "required_share_ore",
    "max_per_project": "max_per_project_ore",
    "max_per_project_percent": "max_per_project_bp",
    "max_exposure_percent": "max_exposure_bp",
    "guarantee_max_coverage_percent": "guarantee_max_coverage_bp",
    "guarantee_fee_percent": "guarantee_fee_bp",
}

RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "required_share_ore": (1, MAX_ORE),
    "max_instalments": (1, MAX_INSTALMENTS),
    "instalment_interval_months": (1, 12),
    "withdrawal_notice_days": (0, MAX_NOTICE_DAYS),
    "max_per_project_ore": (1, MAX_ORE),
    "max_per_project_bp": (1, MAX_BP),
    "max_exposure_bp": (1, MAX_EXPOSURE_BP),
    "guarantee_max_coverage_bp": (1, MAX_BP),
    "guarantee_fee_bp": (0, MAX_BP),
}


@transaction.atomic
def fund_rules_set(*, fund: MicroFund, by: User, note: str = "", **changes: object) -> FundRulesVersion:
    """Add a new version of the fund's rules (never updates an old one); queue totals.
    Raises FundPermissionDenied, InvalidFundInput."""
    _require(user_manages_funds(by, community_id=fund.community_id))
    fund = _lock_fund(fund)  # serialises versions of one fund
    current = fund_rules_current(fund=fund)
    before = {name: getattr(current, name) for name in RULE_FIELDS} if current else {}
    values = dict(before)
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise TypeError(name)
        values[name] = value
    for name in RULE_FIELDS:
        if name not in values:
            if name == "voluntary_shares_allowed":
                values[name] = True
                continue
            raise InvalidFundInput(_("This rule must be set."), field=name)
        if name == "voluntary_shares_allowed":
            if not isinstance(values[name], bool):
                raise InvalidFundInput(_("Give yes or no."), field=name)
            continue
        low, high = RULE_BOUNDS[name]
        _whole(values[name], field=name, low=low, high=high)
    if current is not None and values == before:
        raise InvalidFundInput(_("Nothing changed."), field="non_field_errors")
    version = FundRulesVersion(
        fund=fund,
        version=(current.version + 1) if current else 1,
        before=before,
        changed_by=by,
        note=(note or "").strip()[:500],
        **values,
    )
    # Every field checked but the fund's key, whose lookup would read the fund by key alone (naming no
    # community): the fund is the row locked above. The constraints, (fund, version) included, are checked.
    version.full_clean(exclude=["fund"], validate_constraints=False)
    version.validate_constraints()
    version.save()
    fund_totals_enqueue(fund_id=fund.pk)
    return version


def _rules_or_refuse(fund: MicroFund) -> FundRulesVersion:
    rules = fund_rules_current(fund=fund)
    if rules is None:
        raise FundHasNoRules()
    return rules
