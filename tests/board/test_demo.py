"""The demo travel times of the CCFL."""

from __future__ import annotations

import csv

from django.utils.text import slugify

from cadran.board.conflicts import TravelMatrix
from cadran.board.demo import DEMO_MINUTES, load_demo_board
from cadran.board.models import TravelTime
from cadran.board.selectors import travel_matrix
from cadran.core.management.commands.seed_demo import CSV_PATH
from tests import factories as f


def test_every_pair_of_the_eight_communes_once(db):
    territory = f.TerritoryFactory(slug="ccfl")
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            f.CommuneFactory(
                territory=territory,
                insee_code=row["insee_code"],
                name=row["name"],
                slug=slugify(row["name"]),
            )
    assert load_demo_board(territory) == 28  # 8 × 7 / 2
    assert load_demo_board(territory) == 0  # once
    assert TravelTime.objects.filter(is_estimate=False).count() == 0
    matrix = travel_matrix(territory.pk)
    assert isinstance(matrix, TravelMatrix)
    estaires = territory.communes.get(insee_code="59212")
    la_gorgue = territory.communes.get(insee_code="59268")
    assert matrix.minutes(estaires.pk, la_gorgue.pk) == DEMO_MINUTES[("59212", "59268")]
    assert matrix.minutes(la_gorgue.pk, estaires.pk) == DEMO_MINUTES[("59212", "59268")]


def test_default_from_the_setting(db, settings):
    settings.CADRAN_DEFAULT_TRAVEL_MINUTES = 35
    territory = f.TerritoryFactory()
    assert travel_matrix(territory.pk).minutes(1, 2) == 35
