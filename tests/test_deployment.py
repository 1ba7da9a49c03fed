"""The production shape: docker-compose.yml's services, and settings that refuse unsafe starts."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_database_and_broker():
    services = compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_compose_runs_one_worker_service_per_queue():
    from django.conf import settings

    services = compose()["services"]
    queues = {}
    for name in ("worker", "worker-heavy"):
        command = services[name]["command"]
        assert command[:4] == ["celery", "-A", "config", "worker"]
        queues[name] = command[command.index("-Q") + 1]
    assert queues == {"worker": settings.CELERY_TASK_DEFAULT_QUEUE, "worker-heavy": settings.HEAVY_QUEUE}
    assert services["worker-heavy"]["healthcheck"]["test"]


def test_compose_services_have_health_checks_and_volumes():
    data = compose()
    services = data["services"]
    for name in ("web", "worker", "db", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    assert {"pgdata", "redisdata"} <= set(data["volumes"])


def test_compose_app_services_share_one_image_and_production_environment():
    services = compose()["services"]
    for name in ("web", "worker", "worker-heavy", "beat"):
        env = services[name]["environment"]
        assert services[name]["image"] == "lokalkapital:latest"
        assert env["DJANGO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "?" in env["SECRET_KEY"]  # required: compose refuses to start without one
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_setting_is_documented_in_env_example():
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    source = (ROOT / "config" / "settings.py").read_text()
    import re

    used = set(re.findall(r'env\.(?:str|bool|int|list|db_url|email_url)\(\s*"([A-Z_]+)"', source))
    assert used and used <= documented, used - documented


def _manage(*args, env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DJANGO_ENV", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"DJANGO_ENV": "production", "ALLOWED_HOSTS": "x.example"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "x.example",
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
