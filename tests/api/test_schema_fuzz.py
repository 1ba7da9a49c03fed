"""Schemathesis against the live schema: no server errors, every response as documented.

Starts the app on 127.0.0.1 (pytest-django's live_server) on a seeded test database, logs
in as a saver with a token, and runs the schemathesis CLI over every operation in
/api/schema/ with a bounded number of examples. `make fuzz` runs this.

Bounded for a shared 2-core machine: by default the examples and fuzzing phases with
FUZZ_MAX_EXAMPLES cases per operation (71 operations: 1789 cases, about 2.5 minutes). The coverage phase (systematic
boundary and hostile values: about 4600 cases, 5+ minutes) runs with
FUZZ_PHASES=examples,coverage,fuzzing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from accounts.roles import Role
from invest.models import ProjectStatus
from pools.models import PoolKind, PoolStatus, PoolTotals
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory, UserFactory

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def _seed() -> str:
    saver = UserFactory(roles=(Role.SAVER,))
    owner = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))
    project = ProjectFactory(owner=owner)
    ProjectFactory(owner=owner, status=ProjectStatus.DRAFT, published_at=None)
    for pool in (
        PoolFactory(project=project),
        ShareOfferPoolFactory(project=project, minimum_ore=1_000_00, max_per_saver_ore=50_000_00),
        PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL),
        PoolFactory(project=project, target_ore=None, target_points=1_000_000),
    ):
        PoolTotals.objects.create(pool=pool, pledged_ore=12_345_67)
    PoolFactory(project=project, status=PoolStatus.DRAFT)
    return Token.objects.create(user=saver).key


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_errors_and_no_undocumented_responses(live_server, tmp_path: Path) -> None:
    token = _seed()
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        PHASES,
        "--header",
        f"Authorization: Token {token}",
        "--seed",
        "2026",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output[-6000:]
