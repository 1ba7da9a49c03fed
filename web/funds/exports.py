"""The fund position as CSV (standard library, formula-safe) and PDF (WeasyPrint from an HTML template)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from invest.funds.selectors import FundPosition
from operations.csv_files import BOM, CONTENT_TYPE, csv_writer, kronor_cell, number_cell
from operations.csv_files import text_cell as safe_cell
from operations.pdf import html_to_pdf


def position_rows(position: FundPosition) -> Iterator[list[str]]:
    """The report, row by row: headline figures, then each loan and guarantee. Amounts in kronor with a decimal
    comma (operations/csv_files.py)."""
    yield [_("Fund"), position.fund.name]
    yield [_("As of"), position.as_of.isoformat()]
    yield [_("Recorded by"), position.known_at.isoformat()]
    yield []
    labels = figure_labels()
    for key, value in position.figures().items():
        yield [labels[key], kronor_cell(value) if key.endswith("_ore") else number_cell(value)]
    yield []
    yield [_("Loan"), _("Project"), _("Loan amount"), _("Repaid"), _("Outstanding"), _("Due"), _("Overdue")]
    for line in position.loans:
        yield [
            str(line.loan.pk),
            line.loan.project.name,
            kronor_cell(line.principal_ore),
            kronor_cell(line.repaid_principal_ore),
            kronor_cell(line.outstanding_ore),
            kronor_cell(line.due_ore),
            kronor_cell(line.overdue_ore),
        ]
    yield []
    yield [_("Guarantee"), _("Project"), _("Bank"), _("Status"), _("Bank loan balance"), _("Exposure"), _("Loss")]
    for g in position.guarantees:
        yield [
            str(g.guarantee.pk),
            g.guarantee.project.name,
            g.guarantee.bank,
            g.status_label,
            kronor_cell(g.bank_balance_ore),
            kronor_cell(g.exposure_ore),
            kronor_cell(g.loss_ore),
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
    writer = csv_writer()
    # Rows are made now, in the request's language, with the byte order mark on the first line.
    rows = [writer.writerow([safe_cell(c) for c in row]) for row in position_rows(position)]
    rows[0] = BOM + rows[0]
    response = StreamingHttpResponse(rows, content_type=CONTENT_TYPE)
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
