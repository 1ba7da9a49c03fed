"""Check a test client's response against the committed openapi.yaml, as the schema fuzz does.

`assert_documented(response, "GET", "/api/fairs/{fair_id}/")` fails unless the status code is
documented for the operation, the media type is one documented for that status, and the body
validates against its schema (formats included: schemathesis's own response validation).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import requests
import schemathesis
from django.conf import settings
from schemathesis.core.transport import Response

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_path(str(COMMITTED))


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def assert_documented(response: Any, method: str, path: str) -> None:
    operation = _schema()[path][method.upper()]
    documented = operation.definition.raw["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path}: {status} is not documented ({sorted(documented)})"
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    media_types = documented[status].get("content", {})
    assert media_type in media_types, f"{method} {path} {status}: {media_type} is not one of {sorted(media_types)}"
    request = requests.Request(method.upper(), f"http://testserver{path}").prepare()
    operation.validate_response(
        Response(
            status_code=response.status_code,
            headers={name.lower(): [value] for name, value in response.headers.items()},
            content=_body(response),
            request=request,
            elapsed=0.0,
            verify=True,
        )
    )
