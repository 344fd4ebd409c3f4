"""The venue open-data file against the national schema's own constraints."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from opening_hours import OpeningHours

from cadran.reporting.opendata import COLUMNS, REQUIRED, phone_e164
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/donnees/lieux-de-mediation-numerique.csv"
INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
POSTCODE_RE = re.compile(r"^\d{5}$")
PHONE_RE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")
ENUMS = {
    "services": {
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Utilisation sécurisée du numérique",
        "Compréhension du monde numérique",
    },
    "modalites_acces": {
        "Se présenter",
        "Téléphoner",
        "Contacter par mail",
        "Prendre un RDV en ligne",
    },
    "modalites_accompagnement": {"Accompagnement individuel", "Dans un atelier collectif"},
    "frais_a_charge": {"Gratuit", "Gratuit sous condition", "Payant"},
    "itinerance": {"Itinérant", "Fixe"},
    "dispositif_programmes_nationaux": {"Conseillers numériques"},
}


def rows(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def test_public_file_follows_the_schema(client, settings, permanence, estaires, frozen_now):
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    f.PermanenceFactory(
        commune=estaires,
        venue=permanence.venue,
        adviser=permanence.adviser,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
    )
    (row,) = rows(client)
    for name in REQUIRED:
        assert row[name], name
    assert INSEE_RE.match(row["code_insee"]) and row["code_insee"] == "59212"
    assert POSTCODE_RE.match(row["code_postal"])
    assert PHONE_RE.match(row["telephone"]) and row["telephone"] == "+33328000000"
    assert re.fullmatch(r"\d{14}", row["pivot"])
    assert dt.date.fromisoformat(row["date_maj"]) == dt.date(2026, 11, 27)
    for name, allowed in ENUMS.items():
        assert set(row[name].split("|")) <= allowed, name
    assert row["horaires"] == "We 09:00-12:00; Fr 14:00-17:00; PH off"
    hours = OpeningHours(row["horaires"])
    assert hours.is_open(dt.datetime(2026, 12, 2, 10, 0))
    assert not hours.is_open(dt.datetime(2026, 12, 2, 13, 0))
    assert row["prise_rdv"] == "https://rdv.example.org/communes/estaires/"


def test_ended_permanences_are_not_published(client, permanence, frozen_now):
    permanence.valid_until = dt.date(2026, 1, 1)
    permanence.save()
    assert rows(client) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("03 28 00 00 00", "+33328000000"), ("+33 6 12 34 56 78", "+33612345678"), ("12", "")],
)
def test_phone_e164(raw, expected):
    assert phone_e164(raw) == expected
