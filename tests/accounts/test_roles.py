import pytest
from django.contrib.auth.models import Group

from accounts.errors import EmailTaken
from accounts.roles import ROLE_PERMISSIONS
from accounts.services import roles_sync, user_create

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_with_exactly_its_permissions():
    roles_sync()
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=str(role))
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(codes), role


def test_roles_grant_powers(treasurer, organiser, saver):
    assert treasurer.has_perm("pools.manage_payments") and not saver.has_perm("pools.manage_payments")
    assert organiser.has_perm("pools.manage_pools") and not treasurer.has_perm("pools.manage_pools")
    assert treasurer.is_treasurer and not treasurer.is_organiser


def test_email_login_is_case_insensitive_and_unique(client):
    user_create(email="Anna@Example.SE", password="long enough pass 42")
    assert client.login(username="anna@example.se", password="long enough pass 42")
    with pytest.raises(EmailTaken):
        user_create(email="ANNA@example.se", password="x")


def test_token_for_script_access(api_client):
    user_create(email="bot@example.se", password="long enough pass 42")
    bad = api_client.post("/api/auth/token/", {"email": "bot@example.se", "password": "nope"}, format="json")
    assert bad.status_code == 400 and "token" not in bad.json()
    token = api_client.post(
        "/api/auth/token/", {"email": "bot@example.se", "password": "long enough pass 42"}, format="json"
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/").json()["user"] == "bot@example.se"
