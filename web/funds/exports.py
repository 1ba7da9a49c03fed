"""The fund position as CSV (standard library, formula-safe) and PDF (WeasyPrint from an HTML template)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from invest.funds.selectors import FundPosition
from operations.pdf import html_to_pdf
from pools.money import ore_to_string

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def position_rows(position: FundPosition) -> Iterator[list[str]]:
    """The report, row by row: headline figures, then each loan and guarantee. Amounts in kronor, two decimals."""
    yield [_("Fund"), position.fund.name]
    yield [_("As of"), position.as_of.isoformat()]
    yield [_("Recorded by"), position.known_at.isoformat()]
    yield []
    labels = figure_labels()
    for key, value in position.figures().items():
        yield [labels[key], ore_to_string(value) if key.endswith("_ore") else str(value)]
    yield []
    yield [_("Loan"), _("Project"), _("Principal"), _("Repaid"), _("Outstanding"), _("Due"), _("Overdue")]
    for line in position.loans:
        yield [
            str(line.loan.pk),
            line.loan.project.name,
            ore_to_string(line.principal_ore),
            ore_to_string(line.repaid_principal_ore),
            ore_to_string(line.outstanding_ore),
            ore_to_string(line.due_ore),
            ore_to_string(line.overdue_ore),
        ]
    yield []
    yield [_("Guarantee"), _("Project"), _("Bank"), _("Status"), _("Bank loan balance"), _("Exposure"), _("Loss")]
    for g in position.guarantees:
        yield [
            str(g.guarantee.pk),
            g.guarantee.project.name,
            g.guarantee.bank,
            g.status_label,
            ore_to_string(g.bank_balance_ore),
            ore_to_string(g.exposure_ore),
            ore_to_string(g.loss_ore),
        ]


def figure_labels() -> dict[str, str]:
    return {
        "capital_paid_in_ore": _("Capital paid in"),
        "withdrawn_ore": _("Capital paid back to members"),
        "capital_ore": _("Capital"),
        "outstanding_loans_ore": _("Outstanding loans"),
        "guarantee_exposure_ore": _("Guarantee exposure"),
        "repaid_principal_ore": _("Principal repaid"),
        "interest_received_ore": _("Interest received"),
        "repayments_due_ore": _("Repayments due within 30 days"),
        "repayments_overdue_ore": _("Repayments overdue"),
        "losses_ore": _("Losses"),
        "available_ore": _("Available capital"),
        "member_count": _("Members"),
        "voting_member_count": _("Members with a vote"),
    }


def position_csv(position: FundPosition) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(c) for c in row]) for row in position_rows(position)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"{position.fund.slug}-position-{position.as_of.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def position_pdf(position: FundPosition) -> HttpResponse:
    labels = figure_labels()
    html = render_to_string(
        "funds/position_pdf.html",
        {
            "position": position,
            "figures": [(labels[k], v, k.endswith("_ore")) for k, v in position.figures().items()],
        },
    )
    pdf = html_to_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{position.fund.slug}-position-{position.as_of.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
