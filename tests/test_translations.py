"""The Swedish catalogue is complete and compiled, and pages follow the active language (Swedish by default)."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


def _po_entries(path: Path) -> list[dict]:
    """The live entries of a .po file: flags, msgid, msgid_plural and msgstr / msgstr[n] (obsolete #~ skipped)."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
        else:
            keyword, _, value = line.partition(" ")
            text = ast.literal_eval(value)
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if match:
                field = ("msgstr", int(match.group(1) or 0))
                entry["msgstr"][field[1]] = text
            else:
                field = (keyword,)
                entry[keyword] = text
    return entries


def _messages() -> list[dict]:
    return [entry for entry in _po_entries(PO) if entry["msgid"]]


def test_swedish_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = _po_entries(PO)
    messages = [entry for entry in entries if entry["msgid"]]
    assert len(messages) > 900
    untranslated = [entry["msgid"] for entry in messages if not all(entry["msgstr"].values())]
    fuzzy = [entry["msgid"] or "(header)" for entry in entries if "fuzzy" in entry["flags"]]
    plural_gaps = [entry["msgid"] for entry in messages if "msgid_plural" in entry and set(entry["msgstr"]) != {0, 1}]
    assert untranslated == []
    assert fuzzy == []
    assert plural_gaps == []


def test_swedish_translations_keep_every_placeholder():
    wrong = []
    for entry in _messages():
        for index, text in entry["msgstr"].items():
            source = entry["msgid_plural"] if index > 0 and "msgid_plural" in entry else entry["msgid"]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append((entry["msgid"], text))
    assert wrong == []


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo holds exactly the .po's translations (so a machine without gettext serves them)."""
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in _messages():
        if "msgid_plural" in entry:
            got = [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            want = [entry["msgstr"][0], entry["msgstr"][1]]
        else:
            got, want = catalogue.gettext(entry["msgid"]), entry["msgstr"][0]
        if got != want:
            stale.append(entry["msgid"])
    assert stale == [], "django.mo is out of date: run `make messages`"


def test_msgfmt_check_passes(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_home_page_is_swedish_by_default(client, pool):
    body = client.get(reverse("web:home")).content.decode()
    assert '<html lang="sv">' in body
    assert "Lokalt kapital för lokala projekt" in body
    assert "Öppna insamlingar" in body
    assert "Logga in" in body
    assert "Local capital for local projects" not in body


@pytest.mark.django_db
def test_home_page_is_english_when_chosen(english, pool):
    body = english.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in body
    assert "Local capital for local projects" in body
    assert "Open pools" in body
    assert "Logga in" not in body


@pytest.mark.django_db
def test_login_page_follows_the_language(client):
    swedish = client.get(reverse("web:login")).content.decode()
    assert "<h1>Logga in</h1>" in swedish
    assert "Glömt lösenordet?" in swedish
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("web:login")).content.decode()
    assert "<h1>Log in</h1>" in english
    assert "Forgot your password?" in english


@pytest.mark.django_db
def test_browser_asking_for_english_gets_english(client):
    body = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert "<h1>Log in</h1>" in body


@pytest.mark.django_db
def test_pool_page_in_swedish_uses_the_domain_words_and_plural(client, pool):
    body = client.get(reverse("web:savers:pool-detail", args=[pool.pk])).content.decode()
    assert "Stödspar" in body
    assert "Behåll det som samlas in" in body
    assert "Logga in eller skapa konto för att lova." in body
    assert re.search(r"\d+ dagar kvar", body)
    assert "days left" not in body


@pytest.mark.django_db
def test_pool_page_in_english(english, pool):
    body = english.get(reverse("web:savers:pool-detail", args=[pool.pk])).content.decode()
    assert "Support saving" in body
    assert "Keep what you raise" in body
    assert "Log in or sign up to pledge." in body
    assert re.search(r"\d+ days left", body)
    assert "dagar kvar" not in body


@pytest.mark.django_db
def test_logged_in_users_language_wins(client, saver, pool):
    saver.language = "en"
    saver.save(update_fields=["language"])
    client.force_login(saver)
    body = client.get(reverse("web:savers:pool-detail", args=[pool.pk])).content.decode()
    assert "Support saving" in body
    assert "Stödspar" not in body
