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

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("LOKALKAPITAL_HOST", "127.0.0.1")
PORT = os.environ.get("LOKALKAPITAL_PORT", "8000")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo", "--savers", os.environ.get("DEMO_SAVERS", "40"))
    celery = [PY, "-m", "celery", "-A", "config"]
    processes = {
        "web": subprocess.Popen([PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], cwd=ROOT),
        "worker": subprocess.Popen([*celery, "worker", "-l", "warning", "-c", "2", "-n", "demo@%h"], cwd=ROOT),
        "beat": subprocess.Popen(
            [*celery, "beat", "-l", "warning", "-s", str(ROOT / "var" / "celerybeat-schedule")], cwd=ROOT
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
