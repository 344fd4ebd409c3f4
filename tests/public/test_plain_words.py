"""Inhabitants read plain words, not the national vocabulary: every thématique and every
kind of workshop format has a public label, and the public pages use it (docs/activite.md)."""

from __future__ import annotations

import html as html_lib

import pytest
from django.urls import reverse

from cadran.activity import enums
from cadran.public.forms import TOPIC_CHOICES
from cadran.scheduling.enums import PUBLIC_THEMATIQUE_GROUPS, Thematique
from cadran.scheduling.forms import StaffBookingForm
from cadran.workshops.enums import FormatKind, public_format_name
from tests.workshops.factories import WorkshopFormatFactory

from .helpers import book_url
from .workshop_helpers import make_session

pytestmark = pytest.mark.usefixtures("frozen_now")

# The national (or convention) words the issue found on public pages.
JARGON = [
    "coup de poing",
    "Cours collectif d'initiation à l'informatique",
    "Réseaux sociaux communication",
    "Prendre en main du matériel",
]


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


@pytest.mark.parametrize("thematique", list(Thematique))
def test_every_thematique_has_a_public_label_other_than_the_official_one(thematique):
    label = thematique.public_label
    assert label.strip()
    assert label not in JARGON
    assert "coup de poing" not in label
    # The official label stays for staff pages and the export.
    assert thematique.label != label


def test_the_activity_enums_share_the_public_labels():
    assert enums.Thematique.SANTE.public_label == "Ma santé en ligne (Ameli, Doctolib…)"
    assert set(enums.THEMATIQUE_PUBLIC_LABELS) == set(Thematique.values)
    assert len(set(enums.THEMATIQUE_PUBLIC_LABELS.values())) == len(Thematique)


@pytest.mark.parametrize("kind", list(FormatKind))
def test_every_format_kind_has_a_public_label(kind):
    assert kind.public_label.strip()
    assert kind.public_label not in JARGON


def test_a_format_shows_its_kind_in_plain_words_and_an_other_format_its_own_name(db):
    event = WorkshopFormatFactory(name="Événement ou animation « coup de poing »")
    other = WorkshopFormatFactory(name="Café numérique", kind=FormatKind.OTHER)
    assert public_format_name(event) == "Animation ouverte à tous"
    assert public_format_name(other) == "Café numérique"


def test_the_booking_reasons_are_the_groups_in_plain_words():
    grouped = [code for _legend, codes in PUBLIC_THEMATIQUE_GROUPS for code in codes]
    assert len(grouped) == len(set(grouped))
    assert [(code, Thematique(code).public_label) for code in grouped] == TOPIC_CHOICES
    assert [legend for legend, _codes in PUBLIC_THEMATIQUE_GROUPS] == [
        "Démarches",
        "Utiliser un appareil",
        "Communiquer",
        "Autre",
    ]


def test_the_booking_page_has_no_national_jargon(client, permanence):
    page = text(client.get(book_url(permanence)))
    assert "Utiliser mon téléphone, ma tablette ou mon ordinateur" in page
    assert 'value="prendre_en_main_du_materiel"' in page  # the national code underneath
    for word in [*JARGON, "Aide aux démarches administratives"]:
        assert word not in page


def test_the_agenda_and_the_session_page_have_no_jargon(client, territory, estaires):
    session = make_session(
        territory, estaires, format_name="Événement ou animation « coup de poing »"
    )
    course = make_session(
        territory,
        estaires,
        title="Premiers pas",
        format_name="Cours collectif d'initiation à l'informatique",
    )
    course.workshop.format.kind = FormatKind.BEGINNER_COURSE
    course.workshop.format.save()
    agenda = text(client.get(reverse("public:agenda") + "?debut=2026-12-01"))
    detail = text(client.get(reverse("public:session", args=[session.pk])))
    assert "Animation ouverte à tous" in agenda and "Atelier pour débuter" in agenda
    assert "Animation ouverte à tous" in detail
    for word in JARGON:
        assert word not in agenda
        assert word not in detail


def test_staff_pages_keep_the_official_labels():
    # The staff booking form offers the national labels (cadran/scheduling/forms.py).
    labels = dict(StaffBookingForm.base_fields["topics"].choices)
    assert labels["reseaux_sociaux"] == "Réseaux sociaux communication"
