"""Fair pages: planning, the phone card, volunteers' entry, the board, follow-up and the report."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from communities.services import community_create
from invest.fairs.models import FairCard, FairStatus, Pitch, PitchStatus, PledgeFollowUp
from invest.fairs.services import fair_close
from pools.models import Pledge, Pool
from pools.services import pledge_confirm
from tests.factories import FairFactory, ProjectFactory, UserFactory
from tests.invest.fairs.builders import card, fair_with_programme, live_fair
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _card_post(**fields: object) -> dict[str, object]:
    body = {"card_id": str(uuid.uuid4()), "kind": "gift", "amount": "500", "name": "Anna Berg"}
    body.update(fields)
    return body


# ---------------------------------------------------------------- planning


def test_organiser_plans_a_fair_through_the_form(client, organiser):
    login_verified(client, organiser)
    response = client.post(
        reverse("web:fair-create"),
        {
            "title": "Ödebymässan",
            "held_on": "2027-03-14",
            "starts_at": "18:00",
            "place": "Bygdegården",
            "capacity": "120",
            "pitch_slots": "5",
        },
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("capacity", ["-1", "1e9999", "NaN", "'; DROP TABLE invest_fair; --", "x" * 10_000])
def test_fair_form_refuses_bad_capacity_and_writes_nothing(client, organiser, capacity):
    login_verified(client, organiser)
    response = client.post(
        reverse("web:fair-create"),
        {
            "title": "<script>x</script>",
            "held_on": "2027-03-14",
            "starts_at": "18:00",
            "place": "X",
            "capacity": capacity,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["capacity"]
    from invest.fairs.models import Fair

    assert Fair.objects.count() == 0


def test_a_saver_cannot_open_the_fair_form(client, saver):
    login_verified(client, saver)
    assert client.get(reverse("web:fair-create")).status_code == 404


def test_owner_applies_and_organiser_chooses_and_sets_the_programme(client, organiser, owner):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory(owner=owner)
    login_verified(client, owner)
    page = client.get(reverse("web:fair-detail", args=[fair.pk]))
    assert page.context["apply_form"] is not None
    client.post(reverse("web:fair-apply", args=[fair.pk]), {"project": project.pk, "ask": "Lån 200 000 kr"})
    pitch = Pitch.objects.get(fair=fair, project=project)
    # The owner cannot choose their own pitch.
    assert client.post(reverse("web:pitch-choose", args=[pitch.pk])).status_code == 404
    login_verified(client, organiser)
    client.post(reverse("web:pitch-choose", args=[pitch.pk]), {"target": "150 000"})
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.CHOSEN and pitch.pool.target_ore == 15_000_000
    client.post(
        reverse("web:fair-programme", args=[fair.pk]),
        {f"position_{pitch.pk}": "1", f"starts_at_{pitch.pk}": "18:15", f"minutes_{pitch.pk}": "7"},
    )
    fair.refresh_from_db()
    pitch.refresh_from_db()
    assert fair.status == FairStatus.PROGRAMME_SET and pitch.position == 1 and pitch.minutes == 7
    login_verified(client, owner)
    client.post(reverse("web:pitch-confirm", args=[pitch.pk]))
    pitch.refresh_from_db()
    assert pitch.confirmed_at is not None


def test_a_project_of_another_community_cannot_apply_or_be_chosen_and_nothing_is_written(client, organiser, owner):
    fair = FairFactory(organiser=organiser)  # the first community
    elsewhere = ProjectFactory(owner=owner, community=community_create(name="Kvarnbyns byalag", slug="kvarnbyn"))
    login_verified(client, owner)
    assert client.get(reverse("web:fair-detail", args=[fair.pk])).context["apply_form"] is None
    response = client.post(reverse("web:fair-apply", args=[fair.pk]), {"project": elsewhere.pk}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Pitch.objects.exists()
    # An application written before the rule is refused when the organiser chooses it: no pool is made.
    pitch = Pitch.objects.create(fair=fair, project=elsewhere, applied_by=owner, title="Kvarnbyn", code="kvarn234")
    login_verified(client, organiser)
    response = client.post(reverse("web:pitch-choose", args=[pitch.pk]), {"target": "150 000"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.APPLIED and pitch.pool_id is None and not Pool.objects.exists()


def test_another_owner_cannot_confirm_or_edit_someone_elses_pitch(client, organiser, owner):
    _fair, (pitch, _b) = fair_with_programme(organiser, owner=owner)
    stranger = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))
    login_verified(client, stranger)
    assert client.post(reverse("web:pitch-confirm", args=[pitch.pk])).status_code == 404
    assert client.get(reverse("web:pitch-edit", args=[pitch.pk])).status_code == 404
    assert client.get(reverse("web:pitch-presenter", args=[pitch.pk])).status_code == 404
    assert client.get(reverse("web:pitch-board-json", args=[pitch.pk])).status_code == 404
    assert client.get(reverse("web:pitch-follow-up", args=[pitch.pk])).status_code == 404


def test_owner_prepares_the_pitch_page_shown_on_the_card(client, organiser, owner):
    _fair, (pitch, _b) = fair_with_programme(organiser, owner=owner)
    login_verified(client, owner)
    client.post(
        reverse("web:pitch-edit", args=[pitch.pk]),
        {"title": "Kvarnen lever", "summary": "<script>alert(1)</script>", "ask": "Förköp av fika"},
    )
    page = client.get(reverse("web:fair-card", args=[pitch.code]))
    assert b"Kvarnen lever" in page.content and b"<script>alert(1)" not in page.content


def test_organiser_moves_the_fair_through_its_life(client, organiser):
    fair, _pitches = fair_with_programme(organiser)
    login_verified(client, organiser)
    for action, status in [("start", "live"), ("close", "follow_up"), ("finish", "closed")]:
        body = {"action": action, "early_reason": "rehearsal", "confirmed": "1"}
        client.post(reverse("web:fair-status", args=[fair.pk]), body)
        fair.refresh_from_db()
        assert fair.status == status
    client.post(reverse("web:fair-status", args=[fair.pk]), {"action": "start"})
    fair.refresh_from_db()
    assert fair.status == "closed"


# ---------------------------------------------------------------- cards


def test_phone_card_records_a_pledge_without_login(client, organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    response = client.post(
        reverse("web:fair-card", args=[pitch.code]),
        _card_post(email="anna@example.se", is_name_public="on", may_contact="on", amount="1 234,50"),
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get(pool=pitch.pool)
    assert pledge.amount_ore == 123_450 and pledge.is_name_public and pledge.may_contact


def test_phone_card_posted_twice_makes_one_pledge(client, organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    body = _card_post()
    client.post(reverse("web:fair-card", args=[pitch.code]), body)
    client.post(reverse("web:fair-card", args=[pitch.code]), body)
    assert Pledge.objects.filter(pool=pitch.pool).count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        (dict(amount="1e9999"), "amount"),
        (dict(amount="NaN"), "amount"),
        (dict(amount="-1"), "amount"),
        (dict(amount="12.345"), "amount"),
        (dict(amount="x" * 10_000), "amount"),
        (dict(amount=""), "amount"),
        (dict(kind="share"), "kind"),
        (dict(kind="'; DROP TABLE pools_pledge; --"), "kind"),
        (dict(kind="time", amount="", description="Måla", hours="NaN"), "hours"),
        (dict(kind="skill", amount="", description="x" * 10_000), "description"),
        (dict(email="<script>@x"), "email"),
        (dict(name="", is_name_public="on"), "name"),
        (dict(card_id="not-a-uuid"), "card_id"),
    ],
)
def test_a_bad_phone_card_shows_its_error_and_writes_nothing(client, organiser, fields, error_field):
    _fair, (pitch, _b) = live_fair(organiser)
    response = client.post(reverse("web:fair-card", args=[pitch.code]), _card_post(**fields))
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    assert Pledge.objects.count() == 0 and FairCard.objects.count() == 0


def test_phone_card_is_closed_before_and_after_the_evening(client, organiser):
    fair, (pitch, _b) = fair_with_programme(organiser)
    page = client.get(reverse("web:fair-card", args=[pitch.code]))
    assert page.status_code == 200 and b'name="kind"' not in page.content
    client.post(reverse("web:fair-card", args=[pitch.code]), _card_post())
    assert Pledge.objects.count() == 0


def test_unknown_short_link_is_404(client):
    assert client.get(reverse("web:fair-card", args=["nope1234"])).status_code == 404


def test_qr_code_is_an_svg_of_the_short_link(client, organiser):
    _fair, (pitch, _b) = live_fair(organiser)
    response = client.get(reverse("web:fair-card-qr", args=[pitch.code]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and b'xmlns="http://www.w3.org/2000/svg"' in response.content


def test_volunteer_form_is_keyboard_ready_and_remembers_the_pitch(client, organiser):
    fair, (a, b) = live_fair(organiser)
    login_verified(client, organiser)
    url = reverse("web:fair-cards", args=[fair.pk])
    page = client.get(url).content.decode()
    assert "autofocus" in page and 'type="hidden" name="card_id"' in page
    response = client.post(url, _card_post(pitch=b.pk, amount="250"))
    assert response.status_code == 302 and response["Location"] == url
    again = client.get(url)
    assert again.context["form"].initial["pitch"] == b.pk
    assert Pledge.objects.get(pool=b.pool).amount_ore == 25_000
    assert FairCard.objects.get().channel == "paper" and FairCard.objects.get().entered_by == organiser


def test_volunteer_form_refuses_a_bad_card_keeping_its_input(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    login_verified(client, organiser)
    body = _card_post(pitch=a.pk, amount="12.345")
    response = client.post(reverse("web:fair-cards", args=[fair.pk]), body)
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert response.context["form"]["card_id"].value() == body["card_id"]
    assert Pledge.objects.count() == 0


def test_volunteer_form_is_for_organisers_only(client, organiser, owner):
    fair, _pitches = live_fair(organiser)
    login_verified(client, owner)
    assert client.get(reverse("web:fair-cards", args=[fair.pk])).status_code == 404
    assert client.post(reverse("web:fair-cards", args=[fair.pk]), _card_post()).status_code == 404


# ---------------------------------------------------------------- board


def test_board_json_sums_per_pitch_and_shows_only_public_names(client, organiser):
    fair, (a, b) = live_fair(organiser)
    card(a, amount_ore=50_000, name="Anna Berg", is_name_public=True)
    card(a, amount_ore=25_000, name="Hemlig Person", is_name_public=False)
    card(b, kind="time", amount_ore=None, hours=__import__("decimal").Decimal("4"), description="Måla")
    login_verified(client, organiser)
    url = reverse("web:fair-board-json", args=[fair.pk])
    client.get(url)  # warm the session and permission caches

    def board() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            data = client.get(url).json()
        return len(captured), data

    few, data = board()
    first, second = data["pitches"]
    assert first["pledged"] == "750.00" and first["pledgers"] == 2 and first["names"] == ["Anna Berg"]
    assert (
        second["pledged"] == "0.00"
        and second["non_money_count"] == 1
        and second["hours"] == "4.00"
        and second["hours_display"] == "4"
    )
    assert data["total_pledged"] == "750.00"
    assert list(second["non_money"].values()) == [1] and second["non_money_text"].endswith(" 1")
    assert "Hemlig" not in str(data)

    # Twice the cards, on both pitches: the same queries. 3 for the board itself, 1 for the organiser's
    # community membership; the rest is the session, the user and the two-factor device check.
    card(a, amount_ore=10_000, name="Bo Ek", is_name_public=True)
    for index in range(2):
        card(b, kind="skill", amount_ore=None, description=f"Bokföring {index}", name=f"Person {index}")
    many, data = board()
    assert [row["pledgers"] for row in data["pitches"]] == [3, 3]
    assert many == few <= 11


def test_board_page_is_for_organisers_only(client, organiser, owner):
    fair, _pitches = live_fair(organiser, owner=owner)
    login_verified(client, owner)
    assert client.get(reverse("web:fair-board", args=[fair.pk])).status_code == 404
    assert client.get(reverse("web:fair-board-json", args=[fair.pk])).status_code == 404
    login_verified(client, organiser)
    assert client.get(reverse("web:fair-board", args=[fair.pk])).status_code == 200


def test_presenter_sees_only_their_own_pitch(client, organiser, owner):
    _fair, (mine, other) = live_fair(organiser, owner=owner)
    card(mine, amount_ore=10_000)
    card(other, amount_ore=99_000)
    login_verified(client, owner)
    data = client.get(reverse("web:pitch-board-json", args=[mine.pk])).json()
    assert [p["id"] for p in data["pitches"]] == [mine.pk] and data["total_pledged"] == "100.00"
    assert client.get(reverse("web:pitch-board-json", args=[other.pk])).status_code == 404


# ---------------------------------------------------------------- follow-up and report


def test_follow_up_list_hides_what_pledgers_did_not_allow(client, organiser, owner):
    _fair, (pitch, _b) = live_fair(organiser, owner=owner)
    card(pitch, name="Öppen Person", email="open@example.se", is_name_public=True, may_contact=True)
    card(pitch, name="Dold Person", email="hidden@example.se", is_name_public=False, may_contact=False)
    login_verified(client, owner)
    page = client.get(reverse("web:pitch-follow-up", args=[pitch.pk])).content.decode()
    assert "Öppen Person" in page and "open@example.se" in page
    assert "Dold Person" not in page and "hidden@example.se" not in page


def test_owner_records_a_follow_up_outcome(client, organiser, owner):
    _fair, (pitch, other) = live_fair(organiser, owner=owner)
    pledge = card(pitch).pledge
    foreign = card(other).pledge
    login_verified(client, owner)
    url = reverse("web:pitch-follow-up", args=[pitch.pk])
    assert client.post(url, {"pledge": pledge.pk, "outcome": "will_pay", "note": "Maj"}).status_code == 302
    assert PledgeFollowUp.objects.get().outcome == "will_pay"
    assert client.post(url, {"pledge": foreign.pk, "outcome": "will_pay"}).status_code == 404
    assert client.post(url, {"pledge": pledge.pk, "outcome": "<script>"}).status_code == 200
    assert client.post(url, {"pledge": "1 OR 1=1", "outcome": "done"}).status_code == 404
    assert PledgeFollowUp.objects.count() == 1


def test_report_csv_escapes_formulas_and_counts_conversion(client, organiser, treasurer):
    fair, (a, _b) = live_fair(organiser)
    Pitch.objects.filter(pk=a.pk).update(title='=HYPERLINK("http://x")')
    kept = card(a, amount_ore=10_000, email="a@example.se").pledge
    card(a, amount_ore=30_000, email="b@example.se")
    fair_close(fair=fair, by=organiser)
    pledge_confirm(token=kept.confirmation_token, by=None)
    login_verified(client, treasurer)
    response = client.get(reverse("web:fair-report-csv", args=[fair.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][0].startswith("'=")
    assert rows[1][2:6] == ["2", "400,00", "1", "100,00"]


def test_report_pdf_is_a_pdf(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    card(a)
    login_verified(client, organiser)
    response = client.get(reverse("web:fair-report-pdf", args=[fair.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_report_is_refused_to_savers_and_owners(client, organiser, owner, saver):
    fair, _pitches = live_fair(organiser, owner=owner)
    for user in (owner, saver):
        login_verified(client, user)
        for name in ("web:fair-report", "web:fair-report-csv", "web:fair-report-pdf"):
            assert client.get(reverse(name, args=[fair.pk])).status_code == 404


@pytest.mark.parametrize("position", ["-1", "1e9999", "NaN", "", "<b>1</b>", "' OR 1=1 --"])
def test_programme_form_refuses_hostile_values_and_keeps_the_programme(client, organiser, position):
    fair, (a, b) = fair_with_programme(organiser)
    login_verified(client, organiser)
    client.post(
        reverse("web:fair-programme", args=[fair.pk]),
        {
            f"position_{a.pk}": position,
            f"starts_at_{a.pk}": "18:00",
            f"minutes_{a.pk}": "8",
            f"position_{b.pk}": "2",
            f"starts_at_{b.pk}": "25:99",
            f"minutes_{b.pk}": "999",
        },
    )
    assert list(Pitch.objects.filter(fair=fair).order_by("position").values_list("pk", flat=True)) == [a.pk, b.pk]


def test_pitch_page_form_refuses_an_empty_or_huge_title(client, organiser, owner):
    _fair, (pitch, _b) = fair_with_programme(organiser, owner=owner)
    login_verified(client, owner)
    for title in ("", "x" * 10_000):
        response = client.post(reverse("web:pitch-edit", args=[pitch.pk]), {"title": title, "summary": "", "ask": ""})
        assert response.status_code == 200 and "title" in response.context["form"].errors
    pitch.refresh_from_db()
    assert pitch.title == "Pitch 1"


@pytest.mark.parametrize("target", ["1e9999", "NaN", "-1", "12.345", "x" * 10_000])
def test_choose_refuses_a_bad_target(client, organiser, target):
    fair = FairFactory(organiser=organiser)
    project = ProjectFactory()
    from invest.fairs.services import pitch_apply

    pitch = pitch_apply(fair=fair, project=project, by=project.owner)
    login_verified(client, organiser)
    client.post(reverse("web:pitch-choose", args=[pitch.pk]), {"target": target})
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.APPLIED and pitch.pool is None


@pytest.mark.parametrize("as_of", ["2026-02-30", "1e9999", "<script>", "x" * 10_000])
def test_report_refuses_a_bad_date(client, organiser, as_of):
    fair, _pitches = live_fair(organiser)
    login_verified(client, organiser)
    page = client.get(reverse("web:fair-report", args=[fair.pk]), {"as_of": as_of})
    assert page.status_code == 200 and page.context["form"].errors
    assert client.get(reverse("web:fair-report-csv", args=[fair.pk]), {"as_of": as_of}).status_code == 400
    assert client.get(reverse("web:fair-report-pdf", args=[fair.pk]), {"as_of": as_of}).status_code == 400


def test_report_as_of_a_day_before_the_fair_is_empty(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    card(a)
    login_verified(client, organiser)
    page = client.get(reverse("web:fair-report", args=[fair.pk]), {"as_of": "2020-01-01"})
    assert page.context["report"].rows == [] and b"?as_of=2020-01-01" in page.content


def test_owner_withdraws_from_the_fair_page_and_a_stranger_cannot(client, organiser, owner):
    _fair, (mine, _other) = fair_with_programme(organiser, owner=owner)
    stranger = UserFactory(roles=(Role.PROJECT_OWNER,))
    login_verified(client, stranger)
    assert client.post(reverse("web:pitch-withdraw", args=[mine.pk])).status_code == 404
    login_verified(client, owner)
    page = client.get(reverse("web:fair-detail", args=[mine.fair_id])).content.decode()
    assert reverse("web:pitch-withdraw", args=[mine.pk]) in page
    client.post(reverse("web:pitch-withdraw", args=[mine.pk]), {"confirmed": "1"})
    mine.refresh_from_db()
    assert mine.status == PitchStatus.WITHDRAWN


def test_follow_up_rows_start_on_choose_with_labelled_fields_and_no_repeated_ids(client, organiser, owner):
    import re

    _fair, (pitch, _b) = live_fair(organiser, owner=owner)
    card(pitch, name="Ett", email="ett@example.se", may_contact=True)
    card(pitch, name="Två", email="tva@example.se", may_contact=True)
    login_verified(client, owner)
    page = client.get(reverse("web:pitch-follow-up", args=[pitch.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    selects = re.findall(r'<select name="outcome"[^>]*>(.*?)</select>', page, re.S)
    assert len(selects) == 2
    for options in selects:
        assert options.startswith('<option value="">') and "selected" not in options  # nobody is "Kontaktad" yet
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'placeholder="' not in page  # every field has a real label


def test_board_shows_progress_toward_each_target_and_not_the_organisers_menu(client, organiser):
    fair, (a, _b) = live_fair(organiser)  # targets of 100 000 kr
    card(a, amount_ore=2_500_000)
    login_verified(client, organiser)
    page = client.get(reverse("web:fair-board", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert '<header class="site">' not in page and "Logga ut" not in page  # the projector shows the fair only
    assert 'value="25"' in page and "25 % av målet 100 000,00 kr" in page.replace("\xa0", " ")
    first, second = client.get(reverse("web:fair-board-json", args=[fair.pk])).json()["pitches"]
    assert (first["percent_of_target"], first["target"]) == (25, "100000.00")
    assert second["percent_of_target"] == 0


def test_report_conversion_row_is_labelled_and_absent_without_pledges(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    login_verified(client, organiser)
    empty = client.get(reverse("web:fair-report", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "100,0" not in empty and "Omvandling" not in empty  # no 100 % of nothing
    card(a, amount_ore=10_000)
    page = client.get(reverse("web:fair-report", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "Pledged (number)" not in page and "(antal)" in page and "(kr)" in page  # counts and amounts labelled
    assert "Omvandling" in page and "100,0\xa0%" in page
