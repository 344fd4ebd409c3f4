"""The demo data: the eight communes of the CCFL, Estaires' permanence, and idempotence."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from cadran.accounts.models import User
from cadran.core.management.commands.seed_demo import CSV_PATH, DEMO_PASSWORD
from cadran.scheduling.models import Appointment, Permanence
from cadran.territory.models import Commune, Territory

pytestmark = pytest.mark.django_db

CCFL_INSEE = {
    "59212": "Estaires",
    "59268": "La Gorgue",
    "59293": "Haverskerque",
    "59400": "Merville",
    "62338": "Fleurbaix",
    "62491": "Laventie",
    "62502": "Lestrem",
    "62736": "Sailly-sur-la-Lys",
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "territory", "scheduling", "core"}
    }


def test_the_csv_lists_the_eight_communes():
    with CSV_PATH.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["insee_code"]: r["name"] for r in rows} == CCFL_INSEE


def test_seed_demo_loads_the_eight_communes(frozen_now):
    assert "chargées" in seed()
    territory = Territory.objects.get(slug="ccfl")
    ccfl = Commune.objects.filter(territory=territory)
    assert dict(ccfl.values_list("insee_code", "name")) == CCFL_INSEE
    estaires = Commune.objects.get(insee_code="59212")
    assert (estaires.postcode, estaires.department, estaires.slug) == ("59940", "59", "estaires")
    assert Permanence.objects.filter(commune__territory=territory).count() == 8
    assert User.objects.filter(email="david.thibaut@cadran.demo").exists()


def test_the_demo_ships_a_second_fictitious_territory_loaded_from_its_file(frozen_now):
    seed()
    second = Territory.objects.get(slug="val-fictif")
    assert "Fictif" in second.name
    assert set(second.communes.values_list("department", flat=True)) == {"00"}
    assert not set(second.communes.values_list("insee_code", flat=True)) & set(CCFL_INSEE)
    adviser = User.objects.get(email="conseiller@val-fictif.example")
    assert adviser.territory == second and adviser.check_password(DEMO_PASSWORD)


def test_the_estaires_permanence_follows_the_convention(frozen_now):
    seed()
    permanence = Permanence.objects.with_related().get(commune__insee_code="59212")
    assert permanence.weekday == 2  # Wednesday
    assert (permanence.start_time, permanence.end_time) == (dt.time(9), dt.time(12))
    assert permanence.adviser_arrival_time == dt.time(8, 45)
    assert permanence.slot_minutes == 60
    assert permanence.venue.room == "Bureau du CCAS"
    assert permanence.venue.confidential is True
    assert permanence.hours_label == "le mercredi de 9h à 12h"
    assert permanence.is_demo is False
    # Booked appointments in the coming three weeks, and free slots left between them.
    from cadran.core import clock
    from cadran.scheduling.slots import free_slots

    soon = Appointment.objects.filter(
        permanence=permanence,
        start__gte=clock.now(),
        start__lt=clock.now() + dt.timedelta(days=21),
    )
    assert soon.count() > 0
    free = free_slots(
        [permanence],
        date_from=clock.today(),
        date_to=clock.today() + dt.timedelta(days=21),
        now=clock.now(),
        for_staff=True,
    )
    assert free


def test_running_it_twice_changes_nothing(frozen_now):
    seed()
    before = row_counts()
    assert before["territory.Commune"] == 8 + 4  # the CCFL and the fictitious second one
    assert "déjà présentes" in seed()
    assert row_counts() == before


def test_the_demo_follows_the_port_it_is_served_on(settings):
    from cadran.territory import identity

    settings.CADRAN_SITE_URL = "http://127.0.0.1:8000"
    seed()
    ccfl = Territory.objects.get(slug="ccfl")
    assert ccfl.site_url == "http://127.0.0.1:8000"  # given when the second was loaded
    settings.CADRAN_SITE_URL = "http://127.0.0.1:8123"
    assert "Adresse de la démonstration : http://127.0.0.1:8123" in seed()
    ccfl.refresh_from_db()
    assert ccfl.site_url == "http://127.0.0.1:8123"
    assert identity.for_territory(ccfl).reverse("public:home") == "http://127.0.0.1:8123/"
    # A real address set by an adopter is never touched.
    Territory.objects.filter(pk=ccfl.pk).update(site_url="https://rdv.exemple.fr")
    settings.CADRAN_SITE_URL = "http://127.0.0.1:9000"
    seed()
    ccfl.refresh_from_db()
    assert ccfl.site_url == "https://rdv.exemple.fr"
