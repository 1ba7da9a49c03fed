"""Real Celery processes for integration tests: a worker (and beat) against the pytest test database.

`celery_worker_process` gives a running worker that consumes from settings.REDIS_URL and talks
to the pytest test database (it needs `django_db(transaction=True)` so the worker sees the rows).
`celery_process_factory` starts more processes with other settings (beat, another broker, a mail
folder); every process started is stopped at the end of the test. `redis_server_factory` runs a
private redis-server on a free port that a test may stop and start (never the shared one on 6379).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """DATABASE_URL of the pytest test database (read inside a test: the name is test_<db>)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker process needs PostgreSQL")
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class CeleryProcess:
    """One `celery -A config <command>` subprocess in its own process group."""

    command: str
    env: dict[str, str]
    log_path: Path
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, *, wait_ready: bool = True) -> CeleryProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", self.command, "--loglevel=INFO", *self.args],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() takes its children too
        )
        if wait_ready:
            marker = "ready." if self.command == "worker" else "beat: Starting..."
            wait_until(lambda: marker in self.log() or self.proc.poll() is not None, timeout=60, what=f"{self.command}")
            if self.proc.poll() is not None:
                pytest.fail(f"celery {self.command} exited early:\n{self.log()[-3000:]}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker dies mid-task, nothing is cleaned up."""
        if self.running:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it does not exit in time."""
        if not self.running:
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def celery_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Environment for a worker or beat: test settings, the test database, the test's Redis URL."""
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=settings.REDIS_URL,
        LOKALKAPITAL_VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        DATABASE_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@pytest.fixture
def celery_process_factory(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., CeleryProcess]]:
    """start(command="worker", env={...}, args=(...)) -> a running CeleryProcess, stopped after the test.

    The test and its workers share one media folder (the workers' LOKALKAPITAL_VAR_DIR/media): a bank file the
    test uploads is stored where the worker that imports it looks.
    """
    request.getfixturevalue("settings").MEDIA_ROOT = tmp_path / "var" / "media"
    started: list[CeleryProcess] = []
    count = Counter[str]()

    def start(
        command: str = "worker", *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> CeleryProcess:
        count[command] += 1
        name = f"{command}{count[command]}"
        if command == "worker":
            args = ("-n", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle", *args)
        else:
            args = ("--schedule", str(tmp_path / f"{name}-schedule"), *args)
        process = CeleryProcess(
            command=command, env=env or celery_env(tmp_path), log_path=tmp_path / "logs" / f"{name}.log", args=args
        )
        started.append(process)
        return process.start()

    yield start
    for process in reversed(started):
        process.stop()


def redis_purge(url: str) -> None:
    """Empty one Redis database (the test's own DB number) so old messages do not leak in."""
    import redis

    redis.Redis.from_url(url, socket_timeout=2).flushdb()


def broker_is_idle(url: str) -> bool:
    """No message waiting and none taken but unacknowledged."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    return client.llen("celery") == 0 and client.llen("heavy") == 0 and client.hlen("unacked") == 0


@pytest.fixture
def celery_worker_process(
    transactional_db: None, celery_process_factory: Callable[..., CeleryProcess]
) -> CeleryProcess:
    """A real worker (2 processes) consuming from settings.REDIS_URL against the test database."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (set REDIS_URL)")
    redis_purge(settings.REDIS_URL)
    return celery_process_factory("worker", args=("--concurrency=2",))


@contextmanager
def broker_url_in_this_process(url: str) -> Iterator[None]:
    """Point this process's Celery app (what the outbox publishes with) at another broker."""
    from config.celery import app

    def reset() -> None:
        # The app's connection pool lives in kombu's global registry, keyed by broker URL: closing it
        # in place would leave later publishers on the default URL a closed pool ("Acquire on closed
        # pool"). Reset the registry so both URLs get fresh pools.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = old


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """A private redis-server with no persistence, on its own port."""

    port: int
    workdir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--dir", str(self.workdir), "--pidfile", str(self.workdir / "redis.pid")],
            check=True,
        )  # fmt: skip
        wait_until(self.is_up, timeout=10, what="redis-server")
        return self

    def is_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.is_up():
            subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], check=False, capture_output=True)
            wait_until(lambda: not self.is_up(), timeout=10, what="redis-server to stop")


@pytest.fixture
def redis_server_factory(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    servers: list[RedisServer] = []

    def make() -> RedisServer:
        # TEST_REDIS_PORT (a test-only variable, not a setting) pins the first server's port, e.g. to
        # watch it from outside or to keep it clear of a firewall; later servers take free ports.
        fixed = os.environ.get("TEST_REDIS_PORT")
        port = int(fixed) if fixed and not servers else _free_port()
        server = RedisServer(port=port, workdir=tmp_path / f"redis{len(servers)}")
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


def mail_messages(folder: Path) -> list[dict[str, str]]:
    """Every message Django's file backend wrote to `folder` (To and the reminder id headers)."""
    messages = []
    if not folder.exists():
        return messages
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = message_from_bytes(chunk)
            messages.append({"to": message.get("To", ""), "reminder": message.get("X-Lokalkapital-Reminder", "")})
    return messages
