"""Requests as the views see them.

django-stubs types ``request.user`` as ``User | AnonymousUser``. A view behind ``login_required`` (or
``treasury_required``) only ever runs for a logged-in user, so it takes an ``AuthenticatedHttpRequest``,
whose ``user`` is a ``User`` (the pattern documented by django-stubs). Views that also serve anonymous
visitors keep ``HttpRequest`` and check ``request.user.is_authenticated``, or pass the user to a selector
that accepts ``User | AnonymousUser``. tests/web/test_authenticated_views.py checks that every view
annotated this way sends anonymous visitors to the login page.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
