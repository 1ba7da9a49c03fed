"""Writes for fairs: planning, the programme, the evening's cards, closing and the follow-up.

Lifecycle: planned -> programme_set -> live -> follow_up -> closed (FAIR_TRANSITIONS).
Every service owns its transaction, locks the rows it changes and queues mail through the outbox.

The package re-exports every public name, so `from invest.fairs.services import x` keeps working."""

from invest.fairs.services.cards import CARD_KINDS, MAX_HOURS, MAX_TEXT, CardInput, card_validate, fair_card_submit
from invest.fairs.services.follow_up import pledge_follow_up_record
from invest.fairs.services.lifecycle import (
    FAIR_TRANSITIONS,
    fair_close,
    fair_create,
    fair_finish,
    fair_start,
    user_may_manage_fairs,
)
from invest.fairs.services.notices import (
    NOTICE_TASK,
    fair_notice_send,
    fair_pledges_unconfirmed,
    fair_reminders_sweep,
    pledge_confirm_url,
)
from invest.fairs.services.pitches import (
    pitch_apply,
    pitch_choose,
    pitch_confirm,
    pitch_decline,
    pitch_page_update,
    pitch_withdraw,
)
from invest.fairs.services.programme import Slot, fair_programme_set

__all__ = [
    "FAIR_TRANSITIONS",
    "user_may_manage_fairs",
    "fair_create",
    "fair_start",
    "fair_close",
    "fair_finish",
    "pitch_apply",
    "pitch_choose",
    "pitch_decline",
    "pitch_withdraw",
    "pitch_confirm",
    "pitch_page_update",
    "Slot",
    "fair_programme_set",
    "CARD_KINDS",
    "MAX_HOURS",
    "MAX_TEXT",
    "CardInput",
    "card_validate",
    "fair_card_submit",
    "NOTICE_TASK",
    "fair_pledges_unconfirmed",
    "fair_reminders_sweep",
    "fair_notice_send",
    "pledge_confirm_url",
    "pledge_follow_up_record",
]
