"""camt.053 and camt.054 files, versions .001.02 and .001.08, written by hand to the ISO 20022 layouts
for tests: the group header's MsgId, a statement (Stmt) or notification (Ntfctn) with Id and
ElctrncSeqNb, the account, balances (053 only), TxsSummry, and entries with their AcctSvcrRef.

Version differences written here as the schemas have them: .02 writes an entry's status as a plain
code (<Sts>BOOK</Sts>), a transaction's amount in AmtDtls/TxAmt/Amt, the debtor's name in
RltdPties/Dbtr/Nm and the net total as TtlNetNtryAmt + CdtDbtInd; .08 writes <Sts><Cd>BOOK</Cd></Sts>,
TxDtls/Amt, RltdPties/Dbtr/Pty/Nm and TtlNetNtry/Amt + CdtDbtInd.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

IBAN = "SE4550000000058398257466"


@dataclass
class Entry:
    """One entry; ``ref`` is its AcctSvcrRef, the bank's identifier that overlapping files share."""

    amount: str  # kronor with two decimals, e.g. "150.00"
    ref: str
    reference: str = ""  # the OCR reference (RmtInf/Strd/CdtrRefInf/Ref)
    name: str = ""
    debit: bool = False
    reversal: bool = False  # RvslInd true
    status: str = "BOOK"
    tx_refs: dict[str, str] = field(default_factory=dict)  # TxDtls/Refs: AcctSvcrRef, EndToEndId, TxId
    message: str = ""  # RmtInf/Ustrd


def _ore(amount: str) -> int:
    kronor, _, ore = amount.partition(".")
    return int(kronor) * 100 + int((ore or "0").ljust(2, "0"))


def _kr(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def _entry_xml(entry: Entry, version: int, booked_on: date) -> str:
    status = f"<Sts>{entry.status}</Sts>" if version == 2 else f"<Sts><Cd>{entry.status}</Cd></Sts>"
    amount = f'<Amt Ccy="SEK">{entry.amount}</Amt>'
    tx_amount = f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>" if version == 2 else amount
    name = f"<Nm>{entry.name}</Nm>" if version == 2 else f"<Pty><Nm>{entry.name}</Nm></Pty>"
    refs = "".join(f"<{tag}>{value}</{tag}>" for tag, value in entry.tx_refs.items())
    remittance = ""
    if entry.reference:
        remittance += f"<Strd><CdtrRefInf><Ref>{entry.reference}</Ref></CdtrRefInf></Strd>"
    if entry.message:
        remittance = f"<Ustrd>{entry.message}</Ustrd>" + remittance
    direction = "DBIT" if entry.debit else "CRDT"
    return (
        f"<Ntry>{amount}<CdtDbtInd>{direction}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if entry.reversal else "")
        + f"{status}<BookgDt><Dt>{booked_on.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{booked_on.isoformat()}</Dt></ValDt><AcctSvcrRef>{entry.ref}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>BOOK</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls>{f'<Refs>{refs}</Refs>' if refs else ''}{tx_amount}"
        + (f"<CdtDbtInd>{direction}</CdtDbtInd>" if version == 8 else "")
        + f"<RltdPties><Dbtr>{name}</Dbtr></RltdPties>"
        f"{f'<RmtInf>{remittance}</RmtInf>' if remittance else ''}</TxDtls></NtryDtls></Ntry>"
    )


def camt(
    entries: list[Entry],
    *,
    message: str = "053",
    version: int = 2,
    msg_id: str = "MSG-1",
    block_id: str = "STMT-1",
    sequence: int = 1,
    booked_on: date = date(2026, 3, 5),
    opening_ore: int | None = 100_000,
    closing_ore: int | None = None,
    summary: dict[str, str] | None = None,
    encoding: str = "UTF-8",
    indent: str = "",
) -> bytes:
    """A whole file; totals and closing balance computed from the entries unless given.

    ``summary`` overrides TxsSummry figures: keys ``count``, ``sum``, ``net``, ``credit_count``,
    ``credit_sum``, ``debit_count``, ``debit_sum``. Balances are only written for camt.053."""
    summary = summary or {}
    credits = [e for e in entries if not e.debit]
    debits = [e for e in entries if e.debit]
    credit_sum = sum(_ore(e.amount) for e in credits)
    debit_sum = sum(_ore(e.amount) for e in debits)
    booked_net = sum(_ore(e.amount) * (-1 if e.debit else 1) for e in entries if e.status == "BOOK")
    net = credit_sum - debit_sum
    net_text = summary.get("net", _kr(abs(net)))
    net_direction = "DBIT" if net < 0 else "CRDT"
    if version == 2:
        net_xml = f"<TtlNetNtryAmt>{net_text}</TtlNetNtryAmt><CdtDbtInd>{net_direction}</CdtDbtInd>"
    else:
        net_xml = f"<TtlNetNtry><Amt>{net_text}</Amt><CdtDbtInd>{net_direction}</CdtDbtInd></TtlNetNtry>"
    txs_summary = (
        "<TxsSummry><TtlNtries>"
        f"<NbOfNtries>{summary.get('count', len(entries))}</NbOfNtries>"
        f"<Sum>{summary.get('sum', _kr(credit_sum + debit_sum))}</Sum>{net_xml}</TtlNtries>"
        f"<TtlCdtNtries><NbOfNtries>{summary.get('credit_count', len(credits))}</NbOfNtries>"
        f"<Sum>{summary.get('credit_sum', _kr(credit_sum))}</Sum></TtlCdtNtries>"
        f"<TtlDbtNtries><NbOfNtries>{summary.get('debit_count', len(debits))}</NbOfNtries>"
        f"<Sum>{summary.get('debit_sum', _kr(debit_sum))}</Sum></TtlDbtNtries></TxsSummry>"
    )
    balances = ""
    if message == "053" and opening_ore is not None:
        closing = opening_ore + booked_net if closing_ore is None else closing_ore
        for code, value in (("OPBD", opening_ore), ("CLBD", closing)):
            balances += (
                f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
                f'<Amt Ccy="SEK">{_kr(abs(value))}</Amt><CdtDbtInd>{"DBIT" if value < 0 else "CRDT"}</CdtDbtInd>'
                f"<Dt><Dt>{booked_on.isoformat()}</Dt></Dt></Bal>"
            )
    wrapper, block = ("BkToCstmrStmt", "Stmt") if message == "053" else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    body = "".join(_entry_xml(e, version, booked_on) for e in entries)
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?>{indent}'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version:02d}">{indent}'
        f"<{wrapper}>{indent}<GrpHdr><MsgId>{msg_id}</MsgId>"
        f"<CreDtTm>{booked_on.isoformat()}T18:00:00+01:00</CreDtTm></GrpHdr>{indent}"
        f"<{block}><Id>{block_id}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb>"
        f"<CreDtTm>{booked_on.isoformat()}T18:00:00+01:00</CreDtTm>"
        f"<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>SEK</Ccy></Acct>{indent}"
        f"{balances}{txs_summary}{indent}{body}</{block}></{wrapper}></Document>\n"
    )
    return xml.encode(encoding)
