"""The venue open data checked by the national schema's own validator (frictionless, Table
Schema), against the official schema copied in tests/reporting/fixtures/ (source, licence:
its README): the demo's file, and a file with every optional field Cadran can fill."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from frictionless import Resource, Schema

from cadran.core.clock import PARIS
from cadran.core.management.commands.seed_demo import Command as SeedDemo
from cadran.reporting.opendata import COLUMNS, pivot, street_address, venues_csv
from cadran.territory.validators import validate_siret
from tests import factories as f

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parent / "fixtures" / "lieux-mediation-numerique-schema-v1.0.2.json"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
# A real SIRET with a valid key (Insee's, published on annuaire-entreprises.data.gouv.fr
# as the schema's own example).
EXAMPLE_SIRET = "43493312300029"


def errors(text: str, tmp_path) -> list[str]:
    path = tmp_path / "lieux.csv"
    path.write_text(text, encoding="utf-8")
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    report = Resource(path="lieux.csv", basepath=str(tmp_path), schema=schema).validate()
    return [
        f"ligne {row}, {field}: {kind} — {message}"
        for row, field, kind, message in report.flatten(
            ["rowNumber", "fieldName", "type", "message"]
        )
    ]


def test_the_columns_are_the_schemas_in_its_order():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert tuple(field["name"] for field in schema["fields"]) == COLUMNS


def test_the_demos_file_passes_the_official_validator(tmp_path, settings):
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    with time_machine.travel(NOW, tick=False):
        seed = SeedDemo()
        seed._load()
        seed._load_second_territory()
        text = venues_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 8
    assert errors(text, tmp_path) == []
    for row in rows:
        # Never the machine's address: the territory's own site, or its prefix.
        assert "127.0.0.1" not in row["site_web"] + row["prise_rdv"]
        assert row["code_postal"] not in row["adresse"]


def test_a_file_with_every_optional_field_passes_too(tmp_path, settings, frozen_now):
    settings.CADRAN_SITE_URL = "https://rdv.example.org"
    territory = f.TerritoryFactory(
        slug="plein", siren="245900758", siret="", contact_email="contact@example.org"
    )
    commune = f.CommuneFactory(
        territory=territory, insee_code="59212", name="Estaires", postcode="59940"
    )
    venue = f.VenueFactory(
        commune=commune,
        name="Médiathèque l’Odyssée",
        address="12 rue de la Gare, 59940 Estaires",
        room="Salle d’animation",
        siret=EXAMPLE_SIRET,
        latitude=Decimal("50.645812"),
        longitude=Decimal("2.718390"),
    )
    f.PermanenceFactory(commune=commune, venue=venue)
    text = venues_csv()
    assert errors(text, tmp_path) == []
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["pivot"] == EXAMPLE_SIRET
    assert (row["latitude"], row["longitude"]) == ("50.645812", "2.71839")
    assert row["adresse"] == "12 rue de la Gare"
    assert row["complement_adresse"] == "Salle d’animation"
    assert row["site_web"] == "https://rdv.example.org"


def test_a_wrong_column_order_is_what_the_validator_refuses(tmp_path, frozen_now, permanence):
    # The check can fail: the same file with two columns swapped does not pass.
    text = venues_csv()
    header, *lines = text.splitlines()
    names = header.split(",")
    a, b = names.index("itinerance"), names.index("structure_parente")
    names[a], names[b] = names[b], names[a]
    swapped = "\r\n".join([",".join(names), *lines]) + "\r\n"
    assert any("incorrect-label" in e for e in errors(swapped, tmp_path))


def test_the_pivot_is_the_venues_siret_else_the_territorys_else_its_siren(db):
    territory = f.TerritoryFactory(siren="245900758", siret="")
    venue = f.VenueFactory(commune=f.CommuneFactory(territory=territory), siret="")
    assert pivot(venue) == "245900758"
    territory.siret = EXAMPLE_SIRET
    assert pivot(venue) == EXAMPLE_SIRET
    venue.siret = "73282932000074"
    assert pivot(venue) == "73282932000074"
    territory.siret = territory.siren = venue.siret = ""
    assert pivot(venue) == "0" * 14


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (EXAMPLE_SIRET, True),
        ("43493312300028", False),  # the last digit off by one: the key fails
        ("4349331230002", False),  # 13 digits
        ("35600000000001", True),  # La Poste: its own rule (digits sum to a multiple of 5)
        ("35600000000002", False),
    ],
)
def test_a_siret_is_checked_with_its_key(value, ok):
    if ok:
        validate_siret(value)
    else:
        with pytest.raises(ValidationError):
            validate_siret(value)


def test_coordinates_go_together_and_within_range(db):
    venue = f.VenueFactory(latitude=Decimal("50.6"), longitude=None)
    with pytest.raises(ValidationError, match="ensemble"):
        venue.full_clean()
    venue.longitude = Decimal("200")
    with pytest.raises(ValidationError, match="entre -180 et 180"):
        venue.full_clean()
    venue.longitude = Decimal("2.7")
    venue.full_clean()


def test_the_street_address_leaves_out_postcode_and_commune(db):
    commune = f.CommuneFactory(name="La Gorgue", postcode="59253")
    for written, expected in [
        ("1 place de la Mairie, 59253 La Gorgue", "1 place de la Mairie"),
        ("1 place de la Mairie 59253", "1 place de la Mairie"),
        ("1 place de la Mairie", "1 place de la Mairie"),
        ("Mairie, 59253 La Gorgue (adresse à vérifier)", "Mairie (adresse à vérifier)"),
        ("12 rue du 59253 Régiment", "12 rue du 59253 Régiment"),
    ]:
        assert street_address(f.VenueFactory.build(commune=commune, address=written)) == expected
