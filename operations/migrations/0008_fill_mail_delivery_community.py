"""Give existing mail deliveries the community they are about, where their args name it.

Account mails and yearly statements stay without one (platform mails: only platform staff see them),
and so does any mail whose row is gone.
"""

from django.db import migrations


def _community_of(apps, kind, args):  # noqa: ANN001, ANN202 - migration helper
    def first(model, **lookup):
        return apps.get_model(*model.split(".")).objects.filter(**lookup).values_list("community_id", flat=True).first()

    def pick(model, path, pk):
        return (
            apps.get_model(*model.split(".")).objects.filter(pk=pk).values_list(path, flat=True).first()
            if pk is not None
            else None
        )

    if kind == "receipt":
        return pick("pools.Pledge", "pool__community_id", args.get("pledge_id"))
    if kind == "pool_reminder":
        return pick("pools.Reminder", "pool__community_id", args.get("reminder_id"))
    if kind == "fair_notice":
        return pick("invest.FairNotice", "fair__community_id", args.get("notice_id"))
    if kind == "community_invite":
        return pick("communities.CommunityInvitation", "community_id", args.get("invitation_id"))
    if kind == "receiver_notice":
        model = {"project": "invest.Project", "fund": "invest.MicroFund"}.get(args.get("receiver"))
        return first(model, pk=args.get("receiver_id")) if model else None
    if kind == "fund_reminder":
        subject = pick("invest.FundReminderSent", "subject", args.get("sent_id")) or ""
        what, _sep, rest = subject.partition(":")
        pk = rest.partition(":")[0]
        if not pk.isdigit():
            return None
        if what == "loan":
            return pick("invest.Loan", "fund__community_id", int(pk))
        if what == "share":
            return pick("invest.FundShare", "membership__fund__community_id", int(pk))
    return None


def fill(apps, schema_editor):  # noqa: ANN001, ANN201 - migration signature
    MailDelivery = apps.get_model("operations", "MailDelivery")
    for delivery in MailDelivery.objects.filter(community__isnull=True).exclude(kind__in=["account", "statement"]):
        community_id = _community_of(apps, delivery.kind, delivery.args or {})
        if community_id is not None:
            MailDelivery.objects.filter(pk=delivery.pk).update(community_id=community_id)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0007_mail_delivery_community"),
        ("communities", "0003_community_invitation"),
        ("pools", "0014_pledge_pool_report_idx"),
        ("invest", "0008_pool_community_matches_beneficiary"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
