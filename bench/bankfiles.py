"""Bank file import speed and memory on PostgreSQL, against a COPY floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lk_bankfiles .venv/bin/python bench/bankfiles.py \
        [--payments 100000] [--rounds 1] [--formats bgmax,camt053]

For each format it generates a file of N payments (70 % to known pledges, 20 % to unknown but valid
references, 10 % without a reference), then, in a fresh process each (the "worker"):

- upload: ``bankfile_import`` with the worker threshold at 0, as the web request does it (parse,
  check every total, store the file, queue the worker);
- worker: ``bankfile_process``, which parses again, skips seen entries, matches, writes payments,
  matches, lines (and, through the triggers, their audit rows) and queues the pool totals;

and reports seconds, payments per second and the worker process's peak RSS (VmHWM; the upload's
too). The floor writes the same rows (payments, matches, lines) into the same tables with one COPY
each, triggers and foreign-key checks included, in one transaction that is rolled back. Goal: worker
<= 20 s, peak RSS <= 250 MB, ratio to the floor <= 5. The load average is printed before and after:
the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TREASURY_MAX_UPLOAD_BYTES", str(400 * 1024 * 1024))
    import django

    django.setup()


def _ocr(n: int) -> str:
    from pools.references import ocr_from_body

    return ocr_from_body(str(n))


# ---------------------------------------------------------------- data


def seed(pledges: int) -> list[str]:
    """Pools and money pledges (idempotent: reuses the bench's rows); returns their references."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from invest.models import Project, ProjectStatus
    from pools.models import Pledge, PledgeKind, PledgeSource, Pool, PoolKind, PoolStatus

    today = timezone.localdate()
    owner = User.objects.get(email="bench.treasurer@example.se")
    project, _created = Project.objects.get_or_create(
        slug="bench-bankfiles",
        defaults={"owner": owner, "name": "Bench project", "place": "Ödeby", "status": ProjectStatus.PUBLISHED},
    )
    pools = []
    for n in range(20):
        pool, _created = Pool.objects.get_or_create(
            slug=f"bench-bankfiles-{n}",
            defaults={
                "title": f"Bench pool {n}",
                "project": project,
                "kind": PoolKind.SUPPORT_SAVING,
                "target_ore": 10**12,
                "opens_on": today - timedelta(days=10),
                "closes_on": today + timedelta(days=300),
                "status": PoolStatus.OPEN,
            },
        )
        pools.append(pool)
    refs = [_ocr(5_000_000 + n) for n in range(pledges)]
    have = set(Pledge.objects.filter(ocr_reference__in=refs).values_list("ocr_reference", flat=True))
    Pledge.objects.bulk_create(
        [
            Pledge(
                pool=pools[n % len(pools)],
                kind=PledgeKind.GIFT,
                source=PledgeSource.TREASURER,
                amount_ore=1_000_000_000,
                ocr_reference=ref,
                contact_name=f"Bench {n}",
            )
            for n, ref in enumerate(refs)
            if ref not in have
        ],
        batch_size=5000,
    )
    return refs


def _payments(n: int, refs: list[str], salt: int) -> list[tuple[int, str, str]]:
    rows = []
    for i in range(n):
        amount = 1_000 + (i * 7919) % 500_000
        bucket = i % 10
        if bucket < 7:
            ref = refs[i % len(refs)]
        elif bucket < 9:
            ref = _ocr(90_000_000 + salt * 1_000_000 + i)
        else:
            ref = ""
        rows.append((amount, ref, f"Betalare {i} Åström"))
    return rows


def bgmax_file(n: int, refs: list[str], salt: int) -> bytes:
    lines = [f"01{'BGMAX':<20}01{20260305061530000000 + salt:020d}P", f"05{'0050501055'}{'':10}SEK"]
    total = 0
    for i, (amount, ref, name) in enumerate(_payments(n, refs, salt), start=1):
        code = "2" if ref else "1"
        lines.append(f"20{'0' * 10}{ref:>25}{amount:018d}{code}1{salt * 10_000_000 + i:012d}0")
        lines.append(f"26{name:<35}")
        total += amount
    lines.append(f"15{'0' * 35}20260305{salt:05d}{total:018d}SEK{n:08d}K")
    lines.append(f"70{n:08d}{0:08d}{0:08d}{1:08d}")
    return "".join(line.ljust(80) + "\n" for line in lines).encode("iso-8859-1")


def camt_file(n: int, refs: list[str], salt: int) -> bytes:
    body = []
    total = 0
    for i, (amount, ref, name) in enumerate(_payments(n, refs, salt), start=1):
        kr = f"{amount // 100}.{amount % 100:02d}"
        total += amount
        rmt = f"<RmtInf><Strd><CdtrRefInf><Ref>{ref}</Ref></CdtrRefInf></Strd></RmtInf>" if ref else ""
        body.append(
            f'<Ntry><Amt Ccy="SEK">{kr}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            f"<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>B{salt}-{i}</AcctSvcrRef>"
            f'<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="SEK">{kr}</Amt></TxAmt></AmtDtls>'
            f"<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr></RltdPties>{rmt}</TxDtls></NtryDtls></Ntry>\n"
        )
    kr_total = f"{total // 100}.{total % 100:02d}"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>BENCH-{salt}</MsgId><CreDtTm>2026-03-05T18:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>BENCH-{salt}</Id><ElctrncSeqNb>{salt}</ElctrncSeqNb>"
        "<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id><Ccy>SEK</Ccy></Acct>"
        f"<TxsSummry><TtlNtries><NbOfNtries>{n}</NbOfNtries><Sum>{kr_total}</Sum></TtlNtries>"
        f"<TtlCdtNtries><NbOfNtries>{n}</NbOfNtries><Sum>{kr_total}</Sum></TtlCdtNtries></TxsSummry>\n"
    )
    return (head + "".join(body) + "</Stmt></BkToCstmrStmt></Document>\n").encode("utf-8")


# ---------------------------------------------------------------- child processes


def child(step: str, arg: str) -> None:
    """Run one step in this (fresh) process and print JSON with seconds and peak RSS."""
    _setup()
    from django.test.utils import override_settings

    from accounts.models import User

    by = User.objects.get(email="bench.treasurer@example.se")
    started = time.perf_counter()
    result: dict[str, float]
    if step == "upload":
        from treasury.services import bankfile_import

        with override_settings(TREASURY_WORKER_THRESHOLD=0):
            with Path(arg).open("rb") as file:
                result = {"bank_file": bankfile_import(file=file, filename=Path(arg).name, by=by).pk}
    elif step == "worker":
        from treasury.services import bankfile_process

        bank_file = bankfile_process(bank_file_id=int(arg))
        result = {"processed": bank_file.processed, "matched": bank_file.matched_count}
    else:
        rows, seconds = copy_floor(int(arg))
        result = {"rows": rows, "copy_seconds": seconds}
    result["seconds"] = result.get("copy_seconds") or time.perf_counter() - started
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, which starts afresh at exec. (ru_maxrss does not: a child
    started by fork and exec reports at least the parent's peak, here the generated file's.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_floor(bank_file_id: int) -> tuple[int, float]:
    """COPY the rows the import wrote (payments, matches, lines) into the same tables again, with
    the same triggers firing, in a transaction rolled back; returns the rows and the COPYs' seconds."""
    from django.db import connection, transaction

    tables = [
        ("pools_payment", "id IN (SELECT payment_id FROM treasury_bankfileline WHERE bank_file_id = %s)"),
        (
            "pools_paymentallocation",
            "payment_id IN (SELECT payment_id FROM treasury_bankfileline WHERE bank_file_id = %s)",
        ),
        ("treasury_bankfileline", "bank_file_id = %s"),
    ]
    written = 0
    seconds = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys are checked as each COPY ends, as the import's are when its batch commits (the
        # floor is rolled back, so deferred checks would never run).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # As the worker does: the payments' audit rows take the file's community (treasury/audit.py).
        cursor.execute(
            "SELECT set_config('lokalkapital.community_id', community_id::text, true) FROM treasury_bankfile"
            " WHERE id = %s",
            [bank_file_id],
        )
        raw = cursor.connection
        for table, where in tables:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                "AND is_generated = 'NEVER' ORDER BY ordinal_position",
                [table],
            )
            columns = ", ".join(f'"{c}"' for (c,) in cursor.fetchall())
            if table == "treasury_bankfileline":  # the copies must not collide with the originals' keys
                select = columns.replace('"position"', '"position" + 10000000').replace('"entry_key"', "''")
                select = select.replace('"payment_id"', "NULL").replace('"outcome"', "'skipped'")
            else:
                select = columns
            buffer = []
            with raw.cursor() as pg:
                with pg.copy(f"COPY (SELECT {select} FROM {table} WHERE {where}) TO STDOUT", (bank_file_id,)) as out:
                    for block in out:
                        buffer.append(bytes(block))
                started = time.perf_counter()
                with pg.copy(f"COPY {table} ({columns}) FROM STDIN") as into:
                    for block in buffer:
                        into.write(block)
                seconds += time.perf_counter() - started
                written += max(pg.rowcount or 0, 0)
        transaction.set_rollback(True)
    return written, seconds


def _run(step: str, arg: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, arg], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--pledges", type=int, default=20_000)
    parser.add_argument("--formats", default="bgmax,camt053")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (it is migrated and written to).")
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import User

    if not User.objects.filter(email="bench.treasurer@example.se").exists():
        User.objects.create_user(email="bench.treasurer@example.se", password=None)
    refs = seed(args.pledges)
    print(f"load average before: {os.getloadavg()}")
    salt = int(time.time()) % 10_000
    tmp = ROOT / "var"
    tmp.mkdir(exist_ok=True)
    for fmt in args.formats.split(","):
        build = bgmax_file if fmt == "bgmax" else camt_file
        path = tmp / f"bench-{fmt}-{salt}.{'txt' if fmt == 'bgmax' else 'xml'}"
        path.write_bytes(build(args.payments, refs, salt))
        size = path.stat().st_size
        upload = _run("upload", str(path))
        worker = _run("worker", str(upload["bank_file"]))
        floor = _run("floor", str(upload["bank_file"]))
        path.unlink()
        n = args.payments
        print(
            f"{fmt:8} {n} payments ({size} bytes): "
            f"upload {upload['seconds']:.1f} s ({upload['peak_rss_mb']:.0f} MB), "
            f"worker {worker['seconds']:.1f} s = {n / worker['seconds']:.0f} payments/s, "
            f"peak RSS {worker['peak_rss_mb']:.0f} MB, matched {worker['matched']}; "
            f"COPY floor {floor['seconds']:.1f} s for {floor['rows']} rows; "
            f"worker/floor {worker['seconds'] / floor['seconds']:.1f}x; "
            f"load average {os.getloadavg()}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
