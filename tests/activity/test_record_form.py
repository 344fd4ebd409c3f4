"""The record form: the kind chosen first (only that kind's fields), and the commune picker
(the territory's communes, or any French commune by name or postcode, resolved on the
server: one match, a choice among homonyms, or a French error)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cadran.activity import french_communes
from cadran.activity.forms import ActivityRecordForm
from cadran.activity.models import ANONYMOUS_FIELDS, ActivityRecord

from .factories import ActivityRecordFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

NEW = reverse("activity:record_new")
INDIVIDUAL_ONLY = set(ActivityRecordForm.INDIVIDUAL_FIELDS)
COLLECTIVE_ONLY = set(ActivityRecordForm.COLLECTIVE_FIELDS)


def control_names(html: str) -> set[str]:
    """The names of the form's inputs, selects and textareas."""
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))


def control_count(html: str) -> int:
    return len(re.findall(r"<(?:input|select|textarea)\b", html))


def individual(**extra) -> dict:
    data = {
        "date": "2026-11-26",
        "duration": "30",
        "place_type": "autre",
        "place_insee": "59212",
        "thematiques": ["email"],
    }
    data.update(extra)
    return data


@pytest.fixture
def logged(client, adviser, estaires):
    client.force_login(adviser)
    return client


# --- The kind first -------------------------------------------------------------------


def test_new_record_asks_the_kind_first(logged):
    html = logged.get(NEW).content.decode()
    assert f'href="{NEW}?type=individuel"' in html and f'href="{NEW}?type=collectif"' in html
    assert "Accompagnement individuel" in html and "Atelier collectif" in html
    assert 'class="activity-form"' not in html and 'name="thematiques"' not in html
    # An unknown kind is the same first step, not an error.
    html = logged.get(f"{NEW}?type=rien").content.decode()
    assert 'class="activity-form"' not in html and f'href="{NEW}?type=collectif"' in html


def test_individual_form_shows_only_individual_fields(logged):
    html = logged.get(f"{NEW}?type=individuel").content.decode()
    names = control_names(html)
    assert INDIVIDUAL_ONLY - {"commune_insee_match"} <= names
    assert not names & COLLECTIVE_ONLY
    assert 'name="kind" value="individuel"' in html and 'type="hidden"' in html
    assert "Passer à l'atelier collectif" in html
    assert control_count(html) == 76  # this kind only (the page had both kinds before)


def test_collective_form_shows_only_collective_fields(logged):
    html = logged.get(f"{NEW}?type=collectif").content.decode()
    names = control_names(html)
    assert names >= COLLECTIVE_ONLY
    assert not names & INDIVIDUAL_ONLY
    assert "Commune où habite la personne" not in html and "Autonomie" not in html


def test_individual_record_posts_without_group_fields(logged, adviser):
    # Group fields sent anyway (an old page, a program), even invalid: they are not read.
    response = logged.post(f"{NEW}?type=individuel", individual(anon_total="beaucoup"))
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert record.kind == "individuel" and record.adviser == adviser
    assert record.anon_total == 0 and record.participants.count() == 1


def test_collective_record_ignores_individual_fields(logged):
    data = individual(birth_year="vieux", commune_insee="autre", commune_insee_other="Xyzzy")
    response = logged.post(f"{NEW}?type=collectif", {**data, "anon_total": "4"})
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert record.kind == "collectif" and record.anon_total == 4
    assert not record.participants.exists()


def test_edit_shows_the_record_kind_fields(logged, adviser):
    record = ActivityRecordFactory(adviser=adviser, collective=True)
    names = control_names(
        logged.get(reverse("activity:record_edit", args=[record.pk])).content.decode()
    )
    assert set(ANONYMOUS_FIELDS) <= names and not names & INDIVIDUAL_ONLY


# --- The commune picker ---------------------------------------------------------------


def test_picker_lists_the_territory_communes_by_name(logged, merville):
    html = logged.get(f"{NEW}?type=individuel").content.decode()
    assert '<option value="59212">Estaires</option>' in html
    assert '<option value="59400">Merville</option>' in html
    assert '<option value="autre">Autre commune (hors du territoire)</option>' in html
    assert "Code INSEE" not in html and "59212." not in html


def test_territory_commune_is_stored(logged, estaires):
    response = logged.post(f"{NEW}?type=individuel", individual(commune_insee="59212"))
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert (record.place_insee, record.commune) == ("59212", estaires)
    assert record.participants.get().commune_insee == "59212"


def test_outside_commune_by_name(logged):
    data = individual(
        place_insee="autre",
        place_insee_other="nimes",
        commune_insee="autre",
        commune_insee_other="Bailleul 59",
    )
    assert logged.post(f"{NEW}?type=individuel", data).status_code == 302
    record = ActivityRecord.objects.get()
    assert (record.place_insee, record.commune) == ("30189", None)
    assert record.participants.get().commune_insee == "59043"


def test_typed_name_counts_even_without_choosing_autre(logged):
    data = individual(commune_insee="", commune_insee_other="Nîmes")
    assert logged.post(f"{NEW}?type=individuel", data).status_code == 302
    assert ActivityRecord.objects.get().participants.get().commune_insee == "30189"


def test_ambiguous_name_gives_a_choice_and_keeps_what_was_typed(logged):
    data = individual(commune_insee="autre", commune_insee_other="Merville", notes="Impôts")
    response = logged.post(f"{NEW}?type=individuel", data)
    html = response.content.decode()
    assert response.status_code == 200 and not ActivityRecord.objects.exists()
    assert "Plusieurs communes correspondent à « Merville » : choisissez la bonne." in html
    assert 'href="#id_commune_insee_match_0"' in html
    assert re.search(r'name="commune_insee_match" value="31341"', html)
    assert re.search(r'name="commune_insee_match" value="59400"', html)
    assert "Merville (31330)" in html and "Merville (59660)" in html
    assert 'name="commune_insee_other" value="Merville"' in html
    assert "Impôts</textarea>" in html  # nothing typed is lost
    response = logged.post(f"{NEW}?type=individuel", {**data, "commune_insee_match": "31341"})
    assert response.status_code == 302
    assert ActivityRecord.objects.get().participants.get().commune_insee == "31341"


def test_postcode_shared_by_several_communes_gives_a_choice(logged):
    data = individual(place_insee="autre", place_insee_other="59660")
    html = logged.post(f"{NEW}?type=individuel", data).content.decode()
    assert "Plusieurs communes correspondent à « 59660 »" in html
    assert re.search(r'name="place_insee_match" value="59293"', html)  # Haverskerque


def test_a_stale_choice_is_ignored_when_the_name_changed(logged):
    data = individual(commune_insee_other="Nîmes", commune_insee_match="31341")
    assert logged.post(f"{NEW}?type=individuel", data).status_code == 302
    assert ActivityRecord.objects.get().participants.get().commune_insee == "30189"


def test_unknown_name_is_a_french_error(logged):
    data = individual(place_insee="autre", place_insee_other="Xyzzy")
    response = logged.post(f"{NEW}?type=individuel", data)
    html = response.content.decode()
    assert response.status_code == 200 and not ActivityRecord.objects.exists()
    assert "Aucune commune ne s'appelle « Xyzzy »" in html.replace("&#x27;", "'")
    assert 'href="#id_place_insee_other"' in html
    assert 'name="place_insee_other" value="Xyzzy"' in html
    # Only one message for the place: not also « Choisissez la commune du lieu ».
    assert "Choisissez la commune du lieu." not in html


def test_autre_without_a_name_is_an_error(logged):
    html = logged.post(f"{NEW}?type=individuel", individual(place_insee="autre")).content.decode()
    assert "Écrivez le nom de la commune ou son code postal." in html
    assert not ActivityRecord.objects.exists()


def test_place_commune_is_required_at_home(logged):
    html = logged.post(
        f"{NEW}?type=individuel", individual(place_type="domicile", place_insee="")
    ).content.decode()
    assert "Choisissez la commune du lieu." in html and 'href="#id_place_insee"' in html
    # Not needed at a venue of the territory... nor « à distance ».
    assert not ActivityRecord.objects.exists()


def test_edit_keeps_a_commune_outside_the_territory(logged, adviser):
    record = ActivityRecordFactory(adviser=adviser, participants=[{"commune_insee": "31341"}])
    html = logged.get(reverse("activity:record_edit", args=[record.pk])).content.decode()
    assert '<option value="31341" selected>Merville (31330), hors du territoire</option>' in html
    assert 'name="commune_insee_match"' not in html


# --- The national list ----------------------------------------------------------------


def test_national_list_is_whole_and_current():
    assert len(french_communes._communes()) == 34969
    assert french_communes.get("59212").name == "Estaires"
    assert french_communes.get("2a004").name == "Ajaccio"
    assert french_communes.get("75101") is None  # an arrondissement, not a commune


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Estaires", ["59212"]),
        ("  ESTAIRES ", ["59212"]),
        ("St-Omer", ["14635", "62765"]),
        ("saint omer 62", ["62765"]),
        ("Nimes", ["30189"]),
        ("Merville", ["31341", "59400"]),
        ("Merville 59", ["59400"]),
        ("Merville 59660", ["59400"]),
        ("Bailleul 061", ["61023"]),
        ("59940", ["59212", "59180", "59423"]),  # Estaires, Le Doulieu, Neuf-Berquin
        ("59212", ["59212", "59659"]),  # Estaires by its INSEE code, Wignehies by postcode
        ("Hazebr", ["59295"]),  # the start of a name, when no commune has exactly that name
    ],
)
def test_search(text, codes):
    assert [c.insee for c in french_communes.search(text)] == codes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Écrivez le nom de la commune ou son code postal."),
        ("Xyzzy", "Aucune commune ne s'appelle « Xyzzy »"),
        ("00000", "Aucune commune n'a le code postal 00000."),
        ("Saint", "Beaucoup de communes commencent par « Saint »"),
    ],
)
def test_search_refusals(text, message):
    with pytest.raises(french_communes.CommuneNotFound, match=message):
        french_communes.search(text)
