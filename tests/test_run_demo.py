"""`make run` on another port: the worker's mails link to the address the demo answers on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from pools.receipts import pledge_receipt_send
from pools.services import pledge_create
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _run_demo_module():
    spec = importlib.util.spec_from_file_location("run_demo", ROOT / "scripts" / "run_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_on_another_port_gives_web_worker_and_beat_that_site_url():
    env = _run_demo_module().demo_environment({"PATH": "/usr/bin"}, "127.0.0.1", "8123")
    assert env["SITE_URL"] == "http://127.0.0.1:8123"
    assert env["PATH"] == "/usr/bin"


def test_demo_worker_consumes_every_queue():
    from config.celery import app

    args = _run_demo_module().WORKER_ARGS
    assert set(args[args.index("-Q") + 1].split(",")) == set(app.amqp.queues) == {"celery", "heavy"}


def test_demo_keeps_a_site_url_set_explicitly():
    env = _run_demo_module().demo_environment({"SITE_URL": "https://demo.example"}, "127.0.0.1", "8123")
    assert env["SITE_URL"] == "https://demo.example"


@pytest.mark.django_db
@override_settings(SITE_URL="http://127.0.0.1:8123")
def test_receipt_mail_links_to_the_configured_site_url(pool):
    saver = UserFactory(language="en")
    pledge = pledge_create(pool=pool, saver=saver, kind="support_saving", monthly_ore=10_000, months=12)
    assert pledge_receipt_send(pledge_id=pledge.pk)
    body = mail.outbox[-1].body
    assert "http://127.0.0.1:8123/" in body
    assert "127.0.0.1:8000" not in body
