"""Domain errors of pools/. The API's exception handler turns them into 400/409 answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError


class PoolsError(DomainError):
    code = "pools_error"


class PoolClosed(PoolsError):
    code = "pool_closed"
    status = 409
    default_message = _("This pool is not open for pledges.")


class PledgeKindNotAllowed(PoolsError):
    code = "pledge_kind_not_allowed"
    default_message = _("This pool does not take that kind of pledge.")


class AmountBelowMinimum(PoolsError):
    code = "amount_below_minimum"


class AmountAboveMaximum(PoolsError):
    code = "amount_above_maximum"


class PoolOversubscribed(PoolsError):
    code = "pool_oversubscribed"
    status = 409


class InvalidPledge(PoolsError):
    code = "invalid_pledge"


class PledgeNotChangeable(PoolsError):
    code = "pledge_not_changeable"
    status = 409
    default_message = _("This pledge can no longer be changed.")


class InvalidPayment(PoolsError):
    code = "invalid_payment"


class AllocationError(PoolsError):
    code = "allocation_error"
    status = 409


class CurrencyNotSupported(PoolsError):
    code = "currency_not_supported"
    default_message = _("Only Swedish kronor (SEK) are accepted.")


class PledgeNotFound(PoolsError):
    code = "pledge_not_found"
    status = 404
    default_message = _("No such pledge.")


class IdempotencyConflict(PoolsError):
    code = "idempotency_key_reused"
    status = 409
    default_message = _("This Idempotency-Key was already used for a different request.")


class PoolNotClosable(PoolsError):
    code = "pool_not_closable"
    status = 409
    default_message = _("This pool's closing day has not passed yet.")


class PoolCommunityMismatch(PoolsError):
    code = "pool_community_mismatch"
    default_message = _("A pool belongs to the community of its project or micro-fund.")
