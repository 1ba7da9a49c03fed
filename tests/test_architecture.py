"""The shape of the code, checked: where reads, writes and imports may go.

In the spirit of the permission matrix (tests/api/test_permission_matrix.py), these tests walk the
source with `ast` and fail when code lands in the wrong place:

- The interface apps (api/, web/, workers/) neither query nor write through the ORM themselves:
  which rows a user may see is decided in a selector, every write in a service. The few exceptions
  are in ORM_ALLOWED, each with the reason it is fine.
- Apps depend one way, in the order of LAYERS: an app may import the apps below it, never one above.
  The interface apps sit on top; nothing below imports them.
- Every task name a service queues through the outbox is a registered Celery task, so a renamed task
  cannot leave messages that no worker will ever run.

The last test plants a violation of each kind and checks that the walkers report it.
"""

from __future__ import annotations

import ast
import importlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import itself and anything listed before it. `config` is the wiring
# (settings, the Celery app object); `people` holds the work that needs every app for one person
# (data export, erasure, email confirmation). Pools belong to projects, but the pools app does not
# import invest: Pool names Project and MicroFund by string ("invest.Project"), and the selectors
# that hide pools of unpublished projects name the project statuses by value (checked below).
LAYERS = ("config", "operations", "accounts", "communities", "pools", "invest", "treasury", "people")
INTERFACES = ("api", "web", "workers")
DOMAIN = LAYERS[1:]

# Calls that write rows or go around the selectors when an interface app makes them.
WRITE_METHODS = {
    "save",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "select_for_update",
    "raw",
    "extra",
    "cursor",
}
QUERYSET_METHODS = {"filter", "exclude", "all", "select_related", "prefetch_related", "order_by", "annotate"}

# (path, the call as ast.unparse prints its function) -> why it is fine.
ORM_ALLOWED: dict[tuple[str, str], str] = {
    ("api/health.py", "connection.cursor"): "the health check runs SELECT 1 to see that the database answers",
    ("web/fairs/views.py", "segno.make(url, error='m').save"): "writes a QR code image to a buffer, not a row",
    ("web/owners.py", "workbook.save"): "writes an Excel workbook to a temporary file, not a row",
}


def python_files(*tops: str) -> list[Path]:
    files: list[Path] = []
    for top in tops:
        files.extend(p for p in sorted((ROOT / top).rglob("*.py")) if "migrations" not in p.parts)
    return files


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def orm_uses(path: str, source: str) -> list[tuple[str, str, int]]:
    """(path, what, line) for each ORM query or write in the source; `.objects.none()` is allowed
    (an empty queryset for schema generation reads nothing)."""
    found: list[tuple[str, str, int]] = []
    tree = parse(source)
    allowed_managers: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "none"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "objects"
        ):
            allowed_managers.add(id(node.func.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects" and id(node) not in allowed_managers:
            found.append((path, ast.unparse(node), node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            receiver = node.func.value
            chained_queryset = (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr in QUERYSET_METHODS
            )
            if attr in WRITE_METHODS or (attr == "update" and chained_queryset):
                found.append((path, ast.unparse(node.func), node.lineno))
    return found


def parse(source: str) -> ast.Module:
    """ast.parse, in a fresh thread when this one's recursion count is off: CPython 3.11 raises "AST constructor
    recursion depth mismatch" in a thread that earlier caught a RecursionError (the hostile-JSON tests do, in the
    same xdist worker); a new thread starts with a clean count."""
    try:
        return ast.parse(source)
    except SystemError:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(ast.parse, source).result()


def app_of(module: str) -> str:
    return module.split(".")[0]


def imported_modules(source: str) -> list[tuple[str, int]]:
    """Every absolute import in the source, at any depth (imports inside functions count too)."""
    modules: list[tuple[str, int]] = []
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            modules.extend((alias.name, node.lineno) for alias in node.names)
    return modules


def import_violations(path: str, source: str) -> list[tuple[str, str, int]]:
    """(path, imported module, line) for each import that points up the layers or into an interface."""
    own = app_of(path.replace("/", "."))
    if own not in DOMAIN:
        return []
    allowed = set(LAYERS[: LAYERS.index(own) + 1])
    known = set(LAYERS) | set(INTERFACES)
    return [
        (path, module, line)
        for module, line in imported_modules(source)
        if app_of(module) in known and app_of(module) not in allowed
    ]


def queued_task_names(module_name: str, source: str) -> list[tuple[str, int]]:
    """The task name of each enqueue(...) call in the source: a string literal, or a module-level
    constant resolved on the imported module."""
    names: list[tuple[str, int]] = []
    module = None
    for node in ast.walk(parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if called != "enqueue":
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.append((first.value, node.lineno))
        elif isinstance(first, ast.Name):
            module = module or importlib.import_module(module_name)
            names.append((getattr(module, first.id), node.lineno))
        else:
            names.append((ast.unparse(first), node.lineno))
    return names


def registered_tasks() -> set[str]:
    from config.celery import app
    from workers.schedule import TASK_MODULES

    for name in TASK_MODULES:
        importlib.import_module(name)
    return set(app.tasks)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_interface_apps_leave_queries_and_writes_to_selectors_and_services():
    found = [use for path in python_files(*INTERFACES) for use in orm_uses(relative(path), path.read_text())]
    unexplained = [use for use in found if (use[0], use[1]) not in ORM_ALLOWED]
    assert unexplained == [], "call a selector (reads) or a service (writes) instead, or add a reasoned entry"
    stale = set(ORM_ALLOWED) - {(use[0], use[1]) for use in found}
    assert stale == set(), "these ORM_ALLOWED entries no longer occur: remove them"


def test_apps_depend_one_way():
    found = [
        violation for path in python_files(*DOMAIN) for violation in import_violations(relative(path), path.read_text())
    ]
    assert found == [], f"imports must point down {' < '.join(LAYERS)}; interfaces ({', '.join(INTERFACES)}) on top"


def test_every_task_a_service_queues_is_registered():
    registered = registered_tasks()
    queued = {
        (name, relative(path), line)
        for path in python_files(*DOMAIN)
        if relative(path) != "operations/outbox.py"  # defines enqueue, queues nothing itself
        for name, line in queued_task_names(module_name(path), path.read_text())
    }
    assert queued, "the walker found no enqueue calls at all: it is broken"
    assert {q for q in queued if q[0] not in registered} == set()


PLANTED_VIEW = """
from pools.models import Pledge

def view(request, pk):
    pledge = Pledge.objects.get(pk=pk)
    pledge.status = "withdrawn"
    pledge.save(update_fields=["status"])
    Pledge.objects.none()
    Pledge.objects.filter(pk=pk).update(status="x")
    summary = {}
    summary.update(a=1)
"""


def test_the_walkers_report_planted_violations():
    uses = {(what, line) for _path, what, line in orm_uses("web/planted.py", PLANTED_VIEW)}
    assert uses == {
        ("Pledge.objects", 5),
        ("pledge.save", 7),
        ("Pledge.objects", 9),
        ("Pledge.objects.filter(pk=pk).update", 9),
    }

    upward = "from invest.models import Project\n\ndef f():\n    from api.errors import x\n"
    assert import_violations("pools/planted.py", upward) == [
        ("pools/planted.py", "invest.models", 1),
        ("pools/planted.py", "api.errors", 4),
    ]
    assert import_violations("invest/planted.py", "from pools.models import Pool\n") == []
    assert import_violations("accounts/planted.py", "from people.export import user_data_export\n") == [
        ("accounts/planted.py", "people.export", 1)
    ]

    names = queued_task_names("pools.services.queues", 'enqueue("workers.nowhere.gone", 1)\nenqueue(TOTALS_TASK, 2)\n')
    assert names == [("workers.nowhere.gone", 1), ("workers.totals.recompute_pool_totals", 2)]
    assert "workers.nowhere.gone" not in registered_tasks()


def test_pools_hides_the_project_statuses_invest_hides():
    from invest.models import ProjectStatus
    from pools.selectors import HIDDEN_PROJECT_STATUSES

    assert set(HIDDEN_PROJECT_STATUSES) == {ProjectStatus.DRAFT.value, ProjectStatus.WITHDRAWN.value}


@pytest.mark.parametrize("top", [*LAYERS, *INTERFACES])
def test_every_layer_exists(top):
    assert (ROOT / top).is_dir()
