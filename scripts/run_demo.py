"""`make run`: migrate, seed the demo village, then run web, a Celery worker and beat together.

Stops all three on Ctrl-C. Uses the embedded defaults (SQLite file, filesystem broker in var/)
unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("LOKALKAPITAL_HOST", "127.0.0.1")
PORT = os.environ.get("LOKALKAPITAL_PORT", "8000")


def demo_environment(environ: dict[str, str], host: str, port: str) -> dict[str, str]:
    """The environment of web, worker and beat: links in mails the worker sends point at the address
    this demo answers on (another port than 8000 included), unless SITE_URL is set explicitly."""
    env = dict(environ)
    if not env.get("SITE_URL"):
        env["SITE_URL"] = f"http://{host}:{port}"
    return env


# One worker for both queues here, the default and the heavy one (docker-compose.yml runs one per queue).
WORKER_ARGS = ("worker", "-Q", "celery,heavy", "-l", "warning", "-c", "2", "-n", "demo@%h")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, env=demo_environment(dict(os.environ), HOST, PORT))


def main() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    # A SITE_URL in .env counts as set explicitly (settings read .env the same way, without overwriting).
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo", "--savers", os.environ.get("DEMO_SAVERS", "40"))
    celery = [PY, "-m", "celery", "-A", "config"]
    env = demo_environment(dict(os.environ), HOST, PORT)
    processes = {
        "web": subprocess.Popen([PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], cwd=ROOT, env=env),
        "worker": subprocess.Popen([*celery, *WORKER_ARGS], cwd=ROOT, env=env),
        "beat": subprocess.Popen(
            [*celery, "beat", "-l", "warning", "-s", str(ROOT / "var" / "celerybeat-schedule")], cwd=ROOT, env=env
        ),
    }
    print(f"\nLokalkapital runs on http://{HOST}:{PORT}/  (API: /api/, docs: /api/docs/, health: /healthz)")
    print("Web, worker and beat started; Ctrl-C stops all three.\n", flush=True)
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for name, proc in processes.items():
            if proc.poll() is not None:
                print(f"{name} stopped with exit code {proc.returncode}; stopping the rest", file=sys.stderr)
                code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for proc in processes.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in processes.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
