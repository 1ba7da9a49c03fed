"""A destructive action is never one tap: its view first shows a confirmation page, then acts on a POST with
``confirmed=1``.

Call ``confirmation_page`` after the view has looked the row up (so another user is refused before anything is
shown) and act only when it returns ``None``. The page posts back to the same address with every field of the first
POST (a note, a reason) and ``confirmed=1``; "No" leads back to where the action was offered.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Fields a confirmation page never copies into its own form.
_NOT_CARRIED = frozenset({"csrfmiddlewaretoken", "confirmed"})


def is_confirmed(request: HttpRequest) -> bool:
    """True when the POST comes from a confirmation page."""
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    consequence: str,
    confirm_label: str,
    cancel_label: str,
    back_url: str,
) -> HttpResponse | None:
    """The confirmation page for this request, or None when the request is already confirmed."""
    if is_confirmed(request):
        return None
    carried = [
        (name, value) for name in request.POST if name not in _NOT_CARRIED for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "question": question,
        "consequence": consequence,
        "confirm_label": confirm_label,
        "cancel_label": cancel_label,
        "back_url": back_url,
        "action_url": request.path,
        "carried": carried,
    }
    return render(request, "web/confirm.html", context)
