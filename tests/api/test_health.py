import pytest
from django.test import override_settings

from operations.jobs import job_run
from workers.health import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]
    assert body["worker"]["alive"] is False


def test_healthz_shows_a_worker_heartbeat(client):
    worker_heartbeat()
    body = client.get("/healthz").json()
    assert body["worker"]["alive"] is True and body["worker"]["last_heartbeat_at"]


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    from config.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_is_down(client):
    from unittest import mock

    with mock.patch("api.health.connection.cursor", side_effect=OSError("db down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "OSError", "vendor": mock.ANY}


def test_failed_job_is_recorded():
    from operations.models import JobRun

    with pytest.raises(ValueError), job_run("boom") as summary:
        summary["step"] = 1
        raise ValueError("bad")
    run = JobRun.objects.get(name="boom")
    assert run.status == "failed" and run.summary == {"step": 1} and "bad" in run.error


@override_settings(DEBUG=False)
def test_api_root_lists_authentication(client):
    body = client.get("/api/").json()
    assert "token" in body and body["user"] is None
