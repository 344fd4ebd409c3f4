"""« de » before a name, as French writes it (cadran.core.french, filter ``de``)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from cadran.core.french import de
from tests import factories as f


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Estaires", "d'Estaires"),  # vowel
        ("Arques", "d'Arques"),
        ("Écurie", "d'Écurie"),  # accented capital vowel
        ("Œuilly", "d'Œuilly"),  # ligature
        ("Ypres", "d'Ypres"),
        ("Hazebrouck", "d'Hazebrouck"),  # h muet: elided
        ("Haverskerque", "d'Haverskerque"),
        ("Merville", "de Merville"),  # consonant
        ("La Gorgue", "de La Gorgue"),  # « la » of the name kept
        ("L'Isle-Adam", "de L'Isle-Adam"),
        ("Le Doulieu", "du Doulieu"),  # « de le » → « du »
        ("Les Mureaux", "des Mureaux"),  # « de les » → « des »
        ("Lestrem", "de Lestrem"),  # « Les… » inside a word is not the article
        ("Leers", "de Leers"),
    ],
)
def test_de_elides_and_contracts(name, expected):
    assert de(name) == expected


def test_an_aspirated_h_keeps_de():
    assert de("Hondschoote", h_aspire=True) == "de Hondschoote"
    assert de("Hondschoote") == "d'Hondschoote"


@pytest.mark.django_db
def test_a_commune_says_whether_its_h_is_aspirated():
    muet = f.CommuneFactory(name="Hazebrouck")
    aspire = f.CommuneFactory(name="Hondschoote", h_aspire=True)
    assert de(muet) == "d'Hazebrouck"
    assert de(aspire) == "de Hondschoote"
    rendered = Template("{% load french %}{{ a|de }} / {{ b|de }} / {{ c|de }}").render(
        Context({"a": muet, "b": aspire, "c": "Estaires"})
    )
    assert rendered == "d&#x27;Hazebrouck / de Hondschoote / d&#x27;Estaires"


def test_empty_name():
    assert de("") == "de"
    assert de(None) == "de"
