"""Demo activity records, and the demo API token of the Service Culture account.

``load_demo_activity(territory)`` writes, through the services:
- a record for each past appointment marked « venu » and each held session that has none;
- a few free records of the demo advisers (a walk-in at the market, a phone help, a
  workshop), so the lists, the export and the API have something to show;
- the API token ``DEMO_API_TOKEN`` for ``culture@cadran.demo`` (demo only; README).
Idempotent: run twice, it adds nothing.
"""

from __future__ import annotations

import datetime as dt

from cadran.accounts.enums import Role
from cadran.accounts.models import ApiToken, User
from cadran.accounts.services import create_api_token
from cadran.core import clock
from cadran.core.tokens import hash_token
from cadran.scheduling.enums import AppointmentStatus
from cadran.scheduling.models import Appointment
from cadran.territory.models import Territory
from cadran.workshops.enums import SessionStatus
from cadran.workshops.models import Session

from . import selectors
from .enums import (
    Autonomie,
    Genre,
    Materiel,
    NiveauAtelier,
    StatutSocial,
    StructureRedirection,
    Thematique,
    ThematiqueAdministrative,
    TypeActivite,
    TypeLieu,
)
from .models import ActivityRecord
from .services import ActivityData, ParticipantData, create_activity_record

DEMO_API_TOKEN = "cadran-demo-token-culture"  # noqa: S105 — demo only, printed in the README
DEMO_CULTURE_EMAIL = "culture@cadran.demo"


def _appointment_records(territory: Territory) -> int:
    count = 0
    appointments = (
        Appointment.objects.with_related()
        .filter(
            permanence__commune__territory=territory,
            status=AppointmentStatus.SEEN,
            start__lt=clock.now(),
            activity_record__isnull=True,
        )
        .order_by("start")
    )
    for appointment in appointments:
        initial = selectors.initial_for_appointment(appointment)
        create_activity_record(
            data=ActivityData(
                kind=TypeActivite.INDIVIDUEL,
                date=initial["date"],
                duration_minutes=initial["duration_minutes"],
                place_type=TypeLieu.LIEU_ACTIVITE,
                venue=appointment.permanence.venue,
                thematiques=initial["thematiques"] or [Thematique.DIAGNOSTIC_NUMERIQUE],
                materiels=[Materiel.ORDINATEUR],
                autonomie=Autonomie.PARTIELLEMENT_AUTONOME,
                oriented=False,
                participants=[
                    ParticipantData(
                        beneficiary_id=appointment.beneficiary_id,
                        birth_year=appointment.beneficiary.birth_year,
                        commune_insee=appointment.beneficiary.residence_insee,
                        first_visit=initial["first_visit"],
                    )
                ],
            ),
            adviser=appointment.permanence.adviser,
            by=appointment.permanence.adviser,
            appointment=appointment,
        )
        count += 1
    return count


def _session_records(territory: Territory) -> int:
    count = 0
    sessions = Session.objects.filter(
        workshop__territory=territory, status=SessionStatus.HELD, activity_record__isnull=True
    ).select_related("workshop", "venue__commune")
    for session in sessions:
        adviser = session.advisers.order_by("pk").first()
        if adviser is None:
            continue
        initial = selectors.initial_for_session(session)
        present = selectors.present_registrations(session)
        create_activity_record(
            data=ActivityData(
                kind=TypeActivite.COLLECTIF,
                date=initial["date"],
                duration_minutes=initial["duration_minutes"],
                place_type=TypeLieu.LIEU_ACTIVITE,
                venue=session.venue,
                thematiques=[Thematique.CULTURE_NUMERIQUE],
                materiels=[Materiel.TABLETTE],
                level=initial["level"],
                title=initial["title"],
                anonymous={"anon_total": session.anonymous_count},
                participants=[
                    ParticipantData(registration_id=r.pk, commune_insee=r.commune_insee)
                    for r in present
                ],
            ),
            adviser=adviser,
            by=adviser,
            session=session,
        )
        count += 1
    return count


def _free_records(territory: Territory) -> int:
    """Three free records per demo adviser, in the last two weeks (once)."""
    advisers = User.objects.filter(territory=territory, role=Role.ADVISER, is_active=True)
    today = clock.today()
    count = 0
    for adviser in advisers:
        if ActivityRecord.objects.filter(adviser=adviser, appointment__isnull=True).exists():
            continue
        commune = adviser.communes.order_by("name").first()
        venue = commune.venues.order_by("pk").first() if commune else None
        home = commune.insee_code if commune else ""
        if not home:
            continue
        examples = [
            ActivityData(  # a walk-in at the market
                kind=TypeActivite.INDIVIDUEL,
                date=today - dt.timedelta(days=9),
                duration_minutes=15,
                place_type=TypeLieu.AUTRE,
                place_insee=home,
                thematiques=[Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES],
                demarches=[ThematiqueAdministrative.ARGENT_IMPOTS],
                precisions_demarche="Déclaration de revenus",
                materiels=[Materiel.TELEPHONE],
                autonomie=Autonomie.ENTIEREMENT_ACCOMPAGNE,
                oriented=True,
                structure_redirection=StructureRedirection.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
                notes="Rencontre au marché (exemple).",
                participants=[
                    ParticipantData(
                        genre=Genre.FEMININ,
                        birth_year=1949,
                        statut_social=StatutSocial.RETRAITE,
                        commune_insee=home,
                        first_visit=True,
                    )
                ],
            ),
            ActivityData(  # a phone help
                kind=TypeActivite.INDIVIDUEL,
                date=today - dt.timedelta(days=5),
                duration_minutes=30,
                place_type=TypeLieu.A_DISTANCE,
                thematiques=[Thematique.EMAIL, Thematique.SECURITE_NUMERIQUE],
                materiels=[Materiel.AUCUN],
                autonomie=Autonomie.AUTONOME,
                oriented=False,
                notes="Aide par téléphone (exemple).",
                participants=[
                    ParticipantData(
                        genre=Genre.MASCULIN,
                        birth_year=1988,
                        statut_social=StatutSocial.EN_EMPLOI,
                        commune_insee=home,
                    )
                ],
            ),
        ]
        if venue is not None:
            examples.append(
                ActivityData(  # a small workshop without registrations
                    kind=TypeActivite.COLLECTIF,
                    date=today - dt.timedelta(days=3),
                    duration_minutes=90,
                    place_type=TypeLieu.LIEU_ACTIVITE,
                    venue=venue,
                    thematiques=[Thematique.PRENDRE_EN_MAIN_DU_MATERIEL],
                    materiels=[Materiel.TABLETTE, Materiel.TELEPHONE],
                    level=NiveauAtelier.DEBUTANT,
                    title="Prendre en main sa tablette (exemple)",
                    anonymous={
                        "anon_total": 5,
                        "anon_deja_accompagne": 2,
                        "anon_genre_feminin": 3,
                        "anon_genre_masculin": 2,
                        "anon_age_soixante_dix_plus": 3,
                        "anon_age_soixante_soixante_neuf": 2,
                        "anon_statut_retraite": 5,
                    },
                )
            )
        for data in examples:
            create_activity_record(data=data, adviser=adviser, by=adviser)
            count += 1
    return count


def _demo_token() -> bool:
    owner = User.objects.filter(email=DEMO_CULTURE_EMAIL).first()
    if owner is None or ApiToken.objects.filter(token_hash=hash_token(DEMO_API_TOKEN)).exists():
        return False
    create_api_token(user=owner, name="Jeton de démonstration", token=DEMO_API_TOKEN)
    return True


def load_demo_activity(territory: Territory) -> dict[str, int]:
    return {
        "appointment_records": _appointment_records(territory),
        "session_records": _session_records(territory),
        "free_records": _free_records(territory),
        "api_tokens": int(_demo_token()),
    }
