import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The factories hash a password per user; MD5 keeps these tests fast (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
