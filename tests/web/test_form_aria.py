"""Every aria-describedby (and aria-labelledby, label for=) on a form page points at an element that exists,
ids are unique, every field has a label (a placeholder is not one), heading levels never skip and no table
header is empty, and a refused form marks its faulty fields aria-invalid with the focus on the first one.

The pages are those of every page form (tests/integration/page_forms.py), fetched as the role each is for,
plus refused posts of the forms people type most into (the fair cards)."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.test_permission_matrix import world  # noqa: F401  (the fixture, reused)
from tests.integration.page_forms import PAGE_FORMS
from tests.invest.fairs.builders import live_fair
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.empty_headers = 0
        self._th: dict[str, str] | None = None
        self._th_text = ""
        self.ids: list[str] = []
        self._label_depth = 0
        self.label_for: set[str] = set()
        self.unlabelled: list[tuple[str, str]] = []  # (name, id) of fields outside any label and without a name
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self.invalid: list[str] = []  # names of aria-invalid fields, in page order
        self.autofocus: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        if tag == "th":
            self._th, self._th_text = a, ""
        if "id" in a:
            self.ids.append(a["id"])
        for attribute in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in a.get(attribute, "").split():
                self.refs.append((tag, attribute, ref))
        if tag == "label" and a.get("for"):
            self.refs.append((tag, "for", a["for"]))
            self.label_for.add(a["for"])
        if tag == "label":
            self._label_depth += 1
        unnamed = not (a.get("aria-label") or a.get("aria-labelledby") or a.get("title"))
        is_field = tag in ("select", "textarea") or (
            tag == "input" and a.get("type", "text") not in ("hidden", "submit", "button", "reset", "image")
        )
        if is_field and unnamed and not self._label_depth:
            self.unlabelled.append((a.get("name", ""), a.get("id", "")))
        if a.get("aria-invalid") == "true":
            self.invalid.append(a.get("name", ""))
        if "autofocus" in a:
            self.autofocus.append(a.get("name", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if tag == "th" and self._th is not None:
            if not self._th_text.strip() and not self._th.get("aria-label"):
                self.empty_headers += 1
            self._th = None

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th_text += data


def parse(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def problems(html: str) -> list[str]:
    page = parse(html)
    ids = set(page.ids)
    found = [f"<{tag} {attribute}> -> #{ref} missing" for tag, attribute, ref in page.refs if ref not in ids]
    found += [f"id {i!r} repeated" for i in sorted(ids) if page.ids.count(i) > 1]
    return found


def structure_problems(html: str) -> list[str]:
    """Heading levels that skip (h1 then h3) and table headers with nothing in them."""
    page = parse(html)
    found, previous = [], 0
    for level in page.headings:
        if level > previous + 1:
            found.append(f"heading h{previous} -> h{level}")
        previous = level
    if page.empty_headers:
        found.append(f"{page.empty_headers} empty table header(s)")
    found += [f"field {name!r} has no label" for name, id_ in page.unlabelled if not id_ or id_ not in page.label_for]
    return found


def test_the_checks_catch_what_they_look_for():
    assert problems('<input aria-describedby="gone">') == ["<input aria-describedby> -> #gone missing"]
    assert structure_problems(
        '<h1>a</h1><h3>b</h3><table><tr><th> </th></tr></table><input name="q" placeholder="Sök">'
    ) == [
        "heading h1 -> h3",
        "1 empty table header(s)",
        "field 'q' has no label",
    ]
    assert (
        structure_problems(
            '<label for="q">Sök</label><input id="q" name="q"><label>A <select name="s"></select></label>'
        )
        == []
    )


def test_every_aria_reference_on_every_form_page_points_at_an_existing_id(world, login_as):  # noqa: F811
    seen: dict[str, list[str]] = {}
    checked = 0
    for row in PAGE_FORMS:
        client = Client()
        user = world.users[row.role]
        if user is not None:
            login_as(client, user)
        url = row.page(world) if row.page else row.url(world)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        seen[url] = problems(response.content.decode()) + structure_problems(response.content.decode())
    assert checked >= 25, f"only {checked} pages reached"
    bad = [f"{url}: {problem}" for url, found in seen.items() for problem in found]
    assert not bad, "\n".join(bad)


def _volunteer_post(pitch_pk: int, **fields: str) -> dict[str, str]:
    body = {"card_id": str(uuid.uuid4()), "pitch": str(pitch_pk), "kind": "gift", "amount": "500", "name": "Anna"}
    body.update(fields)
    return body


@pytest.mark.parametrize(
    "fields, first_faulty",
    [
        ({"amount": "12,345"}, "amount"),
        ({"kind": "time", "amount": "", "hours": "", "description": "Måla"}, "hours"),
        ({"email": "inte-en-adress", "phone": "1" * 50}, "email"),
        ({"kind": "support_saving", "amount": "100", "months": ""}, "months"),
        ({"may_contact": "on", "email": "", "phone": ""}, "email"),  # refused by the service, after the form
    ],
)
def test_refused_volunteer_card_marks_and_focuses_the_first_faulty_field(client, organiser, fields, first_faulty):
    fair, (pitch, _b) = live_fair(organiser)
    login_verified(client, organiser)
    response = client.post(reverse("web:fair-cards", args=[fair.pk]), _volunteer_post(pitch.pk, **fields))
    assert response.status_code == 200
    html = response.content.decode()
    page = parse(html)
    assert page.invalid and page.invalid[0] == first_faulty
    assert page.autofocus == [first_faulty]  # not the kind at the top
    assert problems(html) == []


def test_volunteer_card_shows_the_kind_groups_and_refuses_another_kinds_fields(client, organiser):
    fair, (pitch, _b) = live_fair(organiser)
    login_verified(client, organiser)
    url = reverse("web:fair-cards", args=[fair.pk])
    html = client.get(url).content.decode()
    assert problems(html) == []
    assert parse(html).autofocus == ["kind"]
    # Every kind-bound field is marked for the script, which shows only the chosen kind's fields.
    for name, group in (("amount", "money"), ("months", "money"), ("hours", "time"), ("description", "time other")):
        start = html.index(f'name="{name}"')
        assert f'data-show="{group}"' in html[html.rindex("<label", 0, start) : start]
    assert "web/fair_card.js" in html
    # Without the script: an amount on an hours card is refused, not dropped.
    body = _volunteer_post(pitch.pk, kind="time", amount="5000", hours="3")
    response = client.post(url, body)
    assert response.status_code == 200 and parse(response.content.decode()).autofocus == ["amount"]
    from pools.models import Pledge

    assert not Pledge.objects.exists()


def test_phone_card_help_texts_exist_for_their_references(client, organiser):
    from invest.fairs.models import Pitch

    fair, (pitch, _b) = live_fair(organiser)
    pitch = Pitch.objects.get(pk=pitch.pk)
    html = client.get(reverse("web:fair-card", args=[pitch.code])).content.decode()
    assert 'id="id_amount_helptext"' in html and problems(html) == []


def test_refused_settings_and_swish_forms_point_at_their_error_messages(client, saver, owner):
    from tests.factories import ProjectFactory

    project = ProjectFactory(owner=owner)
    login_verified(client, saver)
    for name, body in (
        ("web:savers:refund-account", {"refund_iban": "SE00 nonsense", "password": "wrong"}),
        ("web:savers:email-change", {"email": "not-an-address", "password": ""}),
        ("web:savers:password-change", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"}),
    ):
        response = client.post(reverse(name), body)
        html = response.content.decode()
        assert response.status_code == 400 and parse(html).invalid, name
        assert problems(html) == [], name
    login_verified(client, owner)
    response = client.post(reverse("web:project-swish", args=[project.pk]), {"swish_number": "0701234567"})
    html = response.content.decode()
    assert parse(html).invalid == ["swish_number"] and problems(html) == []
