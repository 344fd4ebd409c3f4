"""The Estaires agreement of 2024, built through the services as the demo builds it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cadran.agreements import services
from cadran.agreements.demo import install_ccfl_setup
from cadran.agreements.enums import CouncilBody, DeliberationPurpose, Party
from cadran.agreements.models import Deliberation, Referent
from cadran.core.clock import PARIS
from tests import factories as f

SIGNED_ON = dt.date(2024, 7, 25)
RENEWED_ON = [dt.date(2025, 6, 30), dt.date(2026, 6, 30)]


@pytest.fixture
def territory(territory):
    """The CCFL as its demo data sets it up: its rules (one year from 01/09/2024, renewable
    twice, never after 31/08/2027, three months' notice) and its Estaires texts."""
    install_ccfl_setup(territory)
    return territory


@pytest.fixture
def david(territory, estaires):
    return f.UserFactory(
        adviser=True,
        territory=territory,
        communes=[estaires],
        first_name="David",
        last_name="Thibaut",
        email="david.thibaut@example.org",
    )


@pytest.fixture
def estaires_permanence(estaires, david):
    venue = f.VenueFactory(
        commune=estaires, name="Mairie d'Estaires", room="Bureau du CCAS", confidential=True
    )
    return f.PermanenceFactory(commune=estaires, venue=venue, adviser=david)


def build_estaires(*, commune, by, permanence, adviser, sign=True, renewals=2):
    agreement = services.create_agreement(
        commune=commune,
        by=by,
        commune_signatory_name="Bruno FICHEUX",
        start_date=dt.date(2024, 9, 1),
        cap_date=dt.date(2027, 8, 31),
        commune_deliberation=("109/110", dt.date(2024, 9, 12)),
        permanence=permanence,
        advisers=[adviser],
        commune_referents=[
            ("Isabelle DEBRAY", "Responsable de la Bibliothèque"),
            ("Noémie POMARD et Carine LOMBART", "du C.C.A.S"),
        ],
    )
    agreement.territory_signatory_name = "Jacques HURLUS"
    agreement.session_secretary_name = "Yves COLPAERT"
    agreement.save()
    for purpose, date, subject in [
        (DeliberationPurpose.TERRITORY_AUTHORISATION, dt.date(2020, 7, 30), ""),
        (
            DeliberationPurpose.NETWORK_SERVICE,
            dt.date(2021, 12, 14),
            "enclenchant via un Contrat Territoire Lecture un service permettant de lutter "
            "contre l'illectronisme en Flandre Lys",
        ),
        (DeliberationPurpose.ADVISER_POSTS, dt.date(2023, 4, 4), "créant les postes"),
        (
            DeliberationPurpose.ADVISER_POSTS,
            dt.date(2024, 7, 2),
            "créant puis reconduisant les postes des 2 Conseillers Numériques jusqu'en "
            "septembre 2027",
        ),
    ]:
        d = Deliberation.objects.create(
            agreement=agreement,
            body=CouncilBody.COMMUNITY,
            purpose=purpose,
            date=date,
            subject=subject,
        )
        if date == dt.date(2024, 7, 2):
            agreement.cap_deliberation = d
            agreement.save(update_fields=["cap_deliberation"])
    Referent.objects.create(
        agreement=agreement,
        party=Party.TERRITORY,
        names="Madame Catherine WILLEMS",
        role="Référente du Pôle Culture",
    )
    if sign:
        services.sign_agreement(agreement=agreement, signed_on=SIGNED_ON, place="La Gorgue", by=by)
        for decided_on in RENEWED_ON[:renewals]:
            services.renew_agreement(agreement=agreement, decided_on=decided_on, by=by)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def estaires_agreement(frozen_now, estaires, culture_user, estaires_permanence, david):
    """Signed 25/07/2024 at La Gorgue, renewed twice: on 27/11/2026, year 3 of 3."""
    return build_estaires(
        commune=estaires, by=culture_user, permanence=estaires_permanence, adviser=david
    )


@pytest.fixture
def draft_agreement(frozen_now, estaires, culture_user, estaires_permanence, david):
    return build_estaires(
        commune=estaires,
        by=culture_user,
        permanence=estaires_permanence,
        adviser=david,
        sign=False,
    )


def travel(day: dt.date, hour: int = 10):
    """Move the clock to a Paris date (context manager)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS), tick=False)
