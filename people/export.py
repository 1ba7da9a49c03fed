"""A person's data export: everything the platform holds about them, as JSON values or CSV rows."""

from __future__ import annotations

from typing import TypedDict

from accounts.models import User
from accounts.selectors import reminder_preferences_get
from pools.models import PaymentAllocation, Pledge
from pools.money import ore_to_string
from pools.offers.selectors import offer_records_export


class UserData(TypedDict):
    """What user_data_export holds, typed for the CSV rows."""

    profile: dict[str, str | None]
    reminder_preferences: dict[str, bool]
    pledges: list[dict[str, object]]
    payments: list[dict[str, object]]
    regulated_offers: dict[str, list[dict[str, object]]]


def user_data_export(*, user: User) -> dict[str, object]:
    """Everything the platform holds about one person, as plain JSON-ready values (amounts as kronor strings)."""
    return dict(_user_data(user))


def _user_data(user: User) -> UserData:
    """The export, section by section (user_data_export's and user_data_export_csv_rows' source)."""

    def money(ore: int | None) -> str | None:
        return None if ore is None else ore_to_string(ore)

    pledges: list[dict[str, object]] = []
    for pledge in Pledge.objects.filter(saver=user).select_related("pool").order_by("created_at", "pk"):
        pledges.append(
            {
                "id": pledge.pk,
                "pool": pledge.pool.title,
                "pool_id": pledge.pool_id,
                "kind": pledge.kind,
                "source": pledge.source,
                "status": pledge.status,
                "amount": money(pledge.amount_ore),
                "monthly_amount": money(pledge.monthly_ore),
                "months": pledge.months,
                "term_months": pledge.term_months,
                "share_count": pledge.share_count,
                "ocr_reference": pledge.ocr_reference,
                "description": pledge.description,
                "quantity": None if pledge.quantity is None else str(pledge.quantity),
                "unit": pledge.unit,
                "contact_name": pledge.contact_name,
                "contact_email": pledge.contact_email,
                "contact_phone": pledge.contact_phone,
                "is_name_public": pledge.is_name_public,
                "may_contact": pledge.may_contact,
                "created_at": pledge.created_at.isoformat(),
                "confirmed_at": pledge.confirmed_at.isoformat() if pledge.confirmed_at else None,
                "withdrawn_at": pledge.withdrawn_at.isoformat() if pledge.withdrawn_at else None,
            }
        )
    payments: list[dict[str, object]] = [
        {
            "payment_id": row.payment_id,
            "pledge_id": row.pledge_id,
            "amount": money(row.amount_ore),
            "received_on": row.payment.received_on.isoformat(),
            "channel": row.payment.channel,
            "reference": row.payment.reference,
        }
        for row in PaymentAllocation.objects.filter(pledge__saver=user).select_related("payment").order_by("pk")
    ]
    return {
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "personnummer": user.masked_personnummer,
            "refund_iban": user.refund_iban,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "newsletter_opt_in_at": user.newsletter_opt_in_at.isoformat() if user.newsletter_opt_in_at else None,
        },
        "reminder_preferences": reminder_preferences_get(user=user),
        "pledges": pledges,
        "payments": payments,
        "regulated_offers": offer_records_export(saver=user),
    }


def csv_safe(value: object) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def user_data_export_csv_rows(*, user: User) -> list[list[str]]:
    """The export flattened to rows: section, field or id, then values; formula-safe cells."""
    data = _user_data(user)
    rows: list[list[str]] = [["section", "key", "value"]]
    for key, value in data["profile"].items():
        rows.append(["profile", key, csv_safe(value)])
    for key, flag in data["reminder_preferences"].items():
        rows.append(["reminder_preference", key, csv_safe(flag)])
    for section, items in (("pledges", data["pledges"]), ("payments", data["payments"])):
        for item in items:
            ident = item.get("id", item.get("payment_id"))
            for key, cell in item.items():
                rows.append([section[:-1], f"{ident}.{key}", csv_safe(cell)])
    for section, items in data["regulated_offers"].items():
        for number, item in enumerate(items, start=1):
            for key, cell in item.items():
                rows.append([f"offers_{section}", f"{number}.{key}", csv_safe(cell)])
    return rows
