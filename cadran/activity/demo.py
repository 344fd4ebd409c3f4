"""Demo activity records, and the demo API token of the Service Culture account.

``load_demo_activity(territory)`` writes, through the services:
- a record for each appointment marked « venu » before today (in bulk, dated the day of
  the appointment) and each held session that has none; today's are left to fill in;
- a few free records of the demo advisers (a walk-in at the market, a phone help, a
  workshop), so the lists, the export and the API have something to show;
- the API token ``DEMO_API_TOKEN`` for ``culture@cadran.demo`` (demo only; README).
Idempotent: run twice, it adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Cast

from cadran.accounts.enums import Role
from cadran.accounts.models import ApiToken, User
from cadran.accounts.services import create_api_token
from cadran.core import clock
from cadran.core.models import AuditLog
from cadran.core.tokens import hash_token
from cadran.scheduling.demo import FEMININE_FIRST_NAMES, FIRST_NAMES
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
    tranche_age_for,
)
from .models import (
    ActivityDemarche,
    ActivityMateriel,
    ActivityParticipant,
    ActivityRecord,
    ActivityThematique,
)
from .services import ActivityData, ParticipantData, create_activity_record, edit_deadline

DEMO_API_TOKEN = "cadran-demo-token-culture"  # noqa: S105 — demo only, printed in the README
DEMO_CULTURE_EMAIL = "culture@cadran.demo"

AUTONOMIES = (
    Autonomie.PARTIELLEMENT_AUTONOME,
    Autonomie.ENTIEREMENT_ACCOMPAGNE,
    Autonomie.AUTONOME,
)
REDIRECTIONS = list(StructureRedirection.values)
DEMARCHES = list(ThematiqueAdministrative.values)
MATERIELS: list[str] = [Materiel.ORDINATEUR, Materiel.TELEPHONE, Materiel.TABLETTE]
DEMARCHE_EXAMPLES = [
    "Déclaration de revenus",
    "Demande de carte grise",
    "Dossier de retraite",
    "Prime d'activité (CAF)",
    "Compte Ameli",
    "Pré-demande de passeport",
    "Inscription à France Travail",
]


def _appointment_records(territory: Territory, *, seed: int = 7) -> int:
    """A record for each appointment seen before today (today's are left for the adviser to
    fill in), written in bulk: the demo has about a thousand of them. The values vary
    (autonomy, orientation, equipment, démarches) from ``random.Random(seed)``; each record
    is dated the day of the appointment, as the adviser would have written it, and the
    journal gets its « compte rendu enregistré » line at that date."""
    rng = random.Random(seed)
    start_of_today = dt.datetime.combine(clock.today(), dt.time.min, tzinfo=clock.PARIS)
    now = clock.now()
    appointments = list(
        Appointment.objects.with_related()
        .filter(
            permanence__commune__territory=territory,
            status=AppointmentStatus.SEEN,
            start__lt=start_of_today,
            activity_record__isnull=True,
        )
        .order_by("start", "pk")
    )
    if not appointments:
        return 0
    seen_before = set(
        Appointment.objects.filter(
            beneficiary_id__in={a.beneficiary_id for a in appointments},
            status=AppointmentStatus.SEEN,
            start__lt=appointments[0].start,
        ).values_list("beneficiary_id", flat=True)
    )
    records: list[ActivityRecord] = []
    details: list[tuple[list[str], list[str], list[str], ActivityParticipant]] = []
    for appointment in appointments:
        person = appointment.beneficiary
        venue = appointment.permanence.venue
        day = clock.paris(appointment.start).date()
        thematiques = [t.thematique for t in appointment.topics.all()] or [
            Thematique.DIAGNOSTIC_NUMERIQUE
        ]
        aide = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES in thematiques
        oriented = rng.random() < 0.12
        created_at = min(appointment.end + dt.timedelta(hours=rng.choice((0, 1, 6, 24))), now)
        records.append(
            ActivityRecord(
                territory=territory,
                kind=TypeActivite.INDIVIDUEL,
                date=day,
                duration_minutes=int((appointment.end - appointment.start).total_seconds() // 60),
                place_type=TypeLieu.LIEU_ACTIVITE,
                venue=venue,
                commune=venue.commune,
                place_insee=venue.commune.insee_code,
                precisions_demarche=rng.choice(DEMARCHE_EXAMPLES) if aide else "",
                autonomie=rng.choices(AUTONOMIES, weights=(45, 40, 15))[0],
                oriented=oriented,
                structure_redirection=rng.choice(REDIRECTIONS) if oriented else "",
                adviser=appointment.permanence.adviser,
                appointment=appointment,
                created_at=created_at,
                updated_at=created_at,
                locked_at=edit_deadline(created_at),
            )
        )
        age = day.year - person.birth_year if person.birth_year else None
        if age is None:
            statut = StatutSocial.NON_COMMUNIQUE
        elif age >= 63:
            statut = StatutSocial.RETRAITE
        elif age < 20:
            statut = StatutSocial.SCOLARISE
        else:
            statut = rng.choice((StatutSocial.EN_EMPLOI, StatutSocial.SANS_EMPLOI))
        participant = ActivityParticipant(
            beneficiary_id=person.pk,
            genre=(
                Genre.FEMININ
                if person.first_name in FEMININE_FIRST_NAMES
                else Genre.MASCULIN
                if person.first_name in FIRST_NAMES
                else Genre.NON_COMMUNIQUE
            ),
            birth_year=person.birth_year,
            tranche_age=tranche_age_for(person.birth_year, day.year),
            statut_social=statut,
            commune_insee=person.residence_insee,
            first_visit=person.pk not in seen_before,
        )
        seen_before.add(person.pk)
        demarches = rng.sample(DEMARCHES, k=rng.choice((1, 1, 2))) if aide else []
        materiels = rng.sample(MATERIELS, k=rng.choice((1, 1, 2)))
        details.append((thematiques, demarches, materiels, participant))
    ActivityRecord.objects.bulk_create(records, batch_size=500)
    thematique_rows, demarche_rows, materiel_rows, participant_rows = [], [], [], []
    for record, (thematiques, demarches, materiels, participant) in zip(
        records, details, strict=True
    ):
        thematique_rows += [ActivityThematique(record=record, thematique=t) for t in thematiques]
        demarche_rows += [ActivityDemarche(record=record, thematique=t) for t in demarches]
        materiel_rows += [ActivityMateriel(record=record, materiel=m) for m in materiels]
        participant.record = record
        participant_rows.append(participant)
    ActivityThematique.objects.bulk_create(thematique_rows, batch_size=1000)
    ActivityDemarche.objects.bulk_create(demarche_rows, batch_size=1000)
    ActivityMateriel.objects.bulk_create(materiel_rows, batch_size=1000)
    ActivityParticipant.objects.bulk_create(participant_rows, batch_size=1000)
    content_type = ContentType.objects.get_for_model(ActivityRecord)
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                actor=record.adviser,
                territory=territory,
                action="activity.created",
                description=f"Compte rendu enregistré : accompagnement individuel du "
                f"{record.date:%d/%m/%Y} ({record.duration_minutes} min).",
                content_type=content_type,
                object_id=str(record.pk),
            )
            for record in records
        ],
        batch_size=1000,
    )
    AuditLog.objects.filter(
        content_type=content_type,
        action="activity.created",
        object_id__in=[str(r.pk) for r in records],
    ).update(
        created_at=Subquery(
            ActivityRecord.objects.filter(pk=Cast(OuterRef("object_id"), IntegerField())).values(
                "created_at"
            )[:1]
        )
    )
    return len(records)


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
        record = create_activity_record(
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
        if session.end < clock.now():
            # Written the day of the session, as the adviser would have.
            ActivityRecord.objects.filter(pk=record.pk).update(
                created_at=session.end, updated_at=session.end, locked_at=edit_deadline(session.end)
            )
            AuditLog.objects.filter(
                content_type=ContentType.objects.get_for_model(ActivityRecord),
                object_id=str(record.pk),
            ).update(created_at=session.end)
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
