import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The factories hash a password per user; MD5 keeps these tests fast (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English, whatever translations are compiled."""
    from django.utils import translation

    with translation.override("en"):
        yield
