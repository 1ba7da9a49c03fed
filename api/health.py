"""GET /healthz: database and broker status as JSON, 503 when either is down."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views import View

from operations.selectors import worker_last_seen


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any failure means "down"; the reason is shown
        return False, type(exc).__name__


def _broker_ok() -> tuple[bool, str]:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


class HealthView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        db_ok, db_detail = _database_ok()
        broker_ok, broker_detail = _broker_ok()
        worker = worker_last_seen() if db_ok else None
        body = {
            "status": "ok" if db_ok and broker_ok else "error",
            "database": {"ok": db_ok, "detail": db_detail, "vendor": connection.vendor},
            "broker": {
                "ok": broker_ok,
                "detail": broker_detail,
                "transport": settings.CELERY_BROKER_URL.split("://")[0],
            },
            "worker": {
                "alive": worker is not None
                and (timezone.now() - worker.started_at).total_seconds() <= 3 * settings.WORKER_HEARTBEAT_INTERVAL,
                "last_heartbeat_at": worker.started_at.isoformat() if worker else None,
            },
        }
        return JsonResponse(body, status=200 if db_ok and broker_ok else 503)
