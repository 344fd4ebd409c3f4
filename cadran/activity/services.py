"""Every write about activity records (CRA).

- ``create_activity_record``: a new record (free, from an appointment seen or a session held).
- ``update_activity_record``: the adviser corrects their record while it is not locked;
  the Service Culture or the coordination corrects any record of the territory, at any
  time (« correction », audit-logged with the fields changed).

A refusal raises ``ValidationError`` with a French message shown as is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadran.accounts.enums import TERRITORY_ROLES, Role
from cadran.core import audit, clock
from cadran.territory.models import Commune, Venue

from .enums import (
    ANONYMOUS_COUNT_MAX,
    DUREE_MAX_MINUTES,
    Genre,
    StatutSocial,
    Thematique,
    TypeActivite,
    TypeLieu,
    tranche_age_for,
)
from .models import (
    ANONYMOUS_FIELDS,
    ANONYMOUS_GENRE_FIELDS,
    ANONYMOUS_STATUT_FIELDS,
    ANONYMOUS_TRANCHE_FIELDS,
    ActivityDemarche,
    ActivityMateriel,
    ActivityParticipant,
    ActivityRecord,
    ActivityThematique,
)

FORBIDDEN = "Vous n'avez pas le droit de modifier ce compte rendu."
LOCKED = (
    "Ce compte rendu est verrouillé : le délai pour le modifier est passé. "
    "Demandez à la coordination de le corriger."
)


@dataclass
class ParticipantData:
    """The profile of a known person helped. Never a name."""

    beneficiary_id: int | None = None
    registration_id: int | None = None
    genre: str = Genre.NON_COMMUNIQUE
    birth_year: int | None = None
    statut_social: str = StatutSocial.NON_COMMUNIQUE
    commune_insee: str = ""
    first_visit: bool = False


@dataclass
class ActivityData:
    """What an activity record says, in the national vocabulary (API values)."""

    kind: str
    date: dt.date
    duration_minutes: int
    place_type: str
    thematiques: list[str]
    venue: Venue | None = None
    place_insee: str = ""
    materiels: list[str] = field(default_factory=list)
    demarches: list[str] = field(default_factory=list)
    precisions_demarche: str = ""
    autonomie: str = ""
    oriented: bool | None = None
    structure_redirection: str = ""
    level: str = ""
    title: str = ""
    notes: str = ""
    anonymous: dict[str, int] = field(default_factory=dict)
    participants: list[ParticipantData] = field(default_factory=list)


# --- Rules -------------------------------------------------------------------------------------


def edit_deadline(created_at: dt.datetime) -> dt.datetime:
    return created_at + dt.timedelta(days=settings.CADRAN_ACTIVITY_EDIT_DAYS)


def _manages(user, territory_id: int) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (
            user.is_superuser
            or (user.role in TERRITORY_ROLES and user.territory_id == territory_id)
        )
    )


def may_edit(user, record: ActivityRecord, now: dt.datetime | None = None) -> bool:
    """The adviser, while the record is not locked; the territory's managers, always."""
    if _manages(user, record.territory_id):
        return True
    return (
        user is not None
        and user.is_authenticated
        and user.pk == record.adviser_id
        and not record.is_locked(now)
    )


def remote_insee(adviser) -> str:
    """The employer's commune, for activities « à distance »."""
    if settings.CADRAN_ACTIVITY_REMOTE_INSEE:
        return settings.CADRAN_ACTIVITY_REMOTE_INSEE
    first = adviser.communes.order_by("name").values_list("insee_code", flat=True).first()
    return first or ""


def _validate(data: ActivityData, *, territory_id: int, adviser) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.kind not in TypeActivite.values:
        add("kind", "Choisissez « Accompagnement individuel » ou « Atelier collectif ».")
    if data.date > clock.today():
        add("date", "La date ne peut pas être dans le futur.")
    if not 1 <= data.duration_minutes <= DUREE_MAX_MINUTES:
        add("duration", "Indiquez une durée entre 1 minute et 23 h 59.")
    if not data.thematiques:
        add("thematiques", "Cochez au moins une thématique.")
    if data.place_type == TypeLieu.LIEU_ACTIVITE:
        if data.venue is None:
            add("venue", "Choisissez le lieu d'activité.")
        elif data.venue.commune.territory_id != territory_id:
            add("venue", "Ce lieu n'est pas sur votre territoire.")
    elif data.place_type in (TypeLieu.DOMICILE, TypeLieu.AUTRE) and not data.place_insee:
        add("place_insee", "Choisissez la commune du lieu.")
    elif data.place_type == TypeLieu.A_DISTANCE and not (data.place_insee or remote_insee(adviser)):
        add("place_type", "La commune de l'employeur n'est pas connue : choisissez un autre lieu.")
    aide = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES in data.thematiques
    if not aide and (data.demarches or data.precisions_demarche):
        add(
            "demarches",
            "Les démarches administratives vont avec la thématique "
            "« Aide aux démarches administratives ».",
        )
    if data.structure_redirection and not data.oriented:
        add("structure_redirection", "Indiquez d'abord que la personne a été orientée.")
    if data.oriented and not data.structure_redirection:
        add(
            "structure_redirection",
            "Choisissez la structure vers laquelle la personne est orientée.",
        )
    if data.kind == TypeActivite.INDIVIDUEL:
        if len(data.participants) != 1:
            add("__all__", "Un accompagnement individuel concerne une seule personne.")
        if any(data.anonymous.get(name) for name in ANONYMOUS_FIELDS):
            add("anon_total", "Les participants anonymes sont pour les ateliers collectifs.")
    else:
        if data.autonomie or data.oriented:
            add(
                "autonomie",
                "L'autonomie et l'orientation sont pour les accompagnements individuels.",
            )
        for name in ANONYMOUS_FIELDS:
            value = data.anonymous.get(name, 0)
            if not 0 <= value <= ANONYMOUS_COUNT_MAX:
                add(name, f"Indiquez un nombre entre 0 et {ANONYMOUS_COUNT_MAX}.")
        total = data.anonymous.get("anon_total", 0)
        if total + len(data.participants) < 1:
            add("anon_total", "Indiquez au moins un participant.")
        for label, names in (
            ("genres", ANONYMOUS_GENRE_FIELDS.values()),
            ("tranches d'âge", ANONYMOUS_TRANCHE_FIELDS.values()),
            ("statuts", ANONYMOUS_STATUT_FIELDS.values()),
        ):
            if sum(data.anonymous.get(n, 0) for n in names) > total:
                add(
                    "anon_total",
                    f"La somme des {label} dépasse le nombre de participants anonymes.",
                )
        if data.anonymous.get("anon_deja_accompagne", 0) > total:
            add("anon_deja_accompagne", "Ce nombre dépasse le nombre de participants anonymes.")
    return errors


def _place(
    data: ActivityData, *, territory_id: int, adviser
) -> tuple[Venue | None, Commune | None, str]:
    if data.place_type == TypeLieu.LIEU_ACTIVITE and data.venue is not None:
        return data.venue, data.venue.commune, data.venue.commune.insee_code
    insee = data.place_insee
    if data.place_type == TypeLieu.A_DISTANCE:
        insee = data.place_insee or remote_insee(adviser)
    commune = Commune.objects.filter(insee_code=insee, territory_id=territory_id).first()
    return None, commune, insee


def _write(record: ActivityRecord, data: ActivityData, *, adviser) -> ActivityRecord:
    record.kind = data.kind
    record.date = data.date
    record.duration_minutes = data.duration_minutes
    record.place_type = data.place_type
    record.venue, record.commune, record.place_insee = _place(
        data, territory_id=record.territory_id, adviser=adviser
    )
    collective = data.kind == TypeActivite.COLLECTIF
    aide = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES in data.thematiques
    record.precisions_demarche = data.precisions_demarche.strip() if aide else ""
    record.autonomie = "" if collective else data.autonomie
    record.oriented = None if collective else data.oriented
    record.structure_redirection = "" if collective else data.structure_redirection
    record.level = data.level if collective else ""
    record.title = data.title.strip() if collective else ""
    record.notes = data.notes.strip()
    for name in ANONYMOUS_FIELDS:
        setattr(record, name, data.anonymous.get(name, 0) if collective else 0)
    record.save()
    record.thematiques.all().delete()
    record.materiels.all().delete()
    record.demarches.all().delete()
    record.participants.all().delete()
    ActivityThematique.objects.bulk_create(
        ActivityThematique(record=record, thematique=code)
        for code in dict.fromkeys(data.thematiques)
    )
    ActivityMateriel.objects.bulk_create(
        ActivityMateriel(record=record, materiel=code) for code in dict.fromkeys(data.materiels)
    )
    if aide:
        ActivityDemarche.objects.bulk_create(
            ActivityDemarche(record=record, thematique=code)
            for code in dict.fromkeys(data.demarches)
        )
    ActivityParticipant.objects.bulk_create(
        ActivityParticipant(
            record=record,
            beneficiary_id=p.beneficiary_id,
            registration_id=p.registration_id,
            genre=p.genre or Genre.NON_COMMUNIQUE,
            birth_year=p.birth_year,
            tranche_age=tranche_age_for(p.birth_year, data.date.year),
            statut_social=p.statut_social or StatutSocial.NON_COMMUNIQUE,
            commune_insee=p.commune_insee,
            first_visit=p.first_visit,
        )
        for p in data.participants
    )
    return record


# --- Actions -----------------------------------------------------------------------------------


@transaction.atomic
def create_activity_record(
    *,
    data: ActivityData,
    adviser,
    by,
    appointment=None,
    session=None,
) -> ActivityRecord:
    """Record an activity of ``adviser`` (written by ``by``: the adviser or a manager)."""
    territory_id = adviser.territory_id
    if adviser.role != Role.ADVISER and not adviser.is_superuser:
        raise ValidationError("Seul un conseiller numérique enregistre son activité.")
    if by.pk != adviser.pk and not _manages(by, territory_id):
        raise ValidationError(FORBIDDEN, code="forbidden")
    if appointment is not None and data.kind != TypeActivite.INDIVIDUEL:
        raise ValidationError("Un rendez-vous donne un accompagnement individuel.")
    if session is not None and data.kind != TypeActivite.COLLECTIF:
        raise ValidationError("Une séance donne un atelier collectif.")
    errors = _validate(data, territory_id=territory_id, adviser=adviser)
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    record = ActivityRecord(
        territory_id=territory_id,
        adviser=adviser,
        appointment=appointment,
        session=session,
        created_at=now,
        updated_at=now,
        locked_at=edit_deadline(now),
    )
    try:
        with transaction.atomic():
            _write(record, data, adviser=adviser)
    except IntegrityError as exc:
        raise ValidationError(
            "Le compte rendu de ce rendez-vous ou de cette séance est déjà rempli."
        ) from exc
    audit.record(
        actor=by,
        obj=record,
        action="activity.created",
        description=f"Compte rendu enregistré : {record.get_kind_display().lower()} du "
        f"{record.date:%d/%m/%Y} ({record.duration_minutes} min).",
        territory_id=territory_id,
    )
    return record


def _snapshot(record: ActivityRecord) -> dict[str, object]:
    values: dict[str, object] = {
        name: getattr(record, name)
        for name in (
            "kind", "date", "duration_minutes", "place_type", "venue_id", "place_insee",
            "precisions_demarche", "autonomie", "oriented", "structure_redirection",
            "level", "title", "notes", *ANONYMOUS_FIELDS,
        )
    }  # fmt: skip
    values["thematiques"] = sorted(record.thematiques.values_list("thematique", flat=True))
    values["materiels"] = sorted(record.materiels.values_list("materiel", flat=True))
    values["demarches"] = sorted(record.demarches.values_list("thematique", flat=True))
    values["participants"] = list(
        record.participants.order_by("pk").values_list(
            "genre", "birth_year", "statut_social", "commune_insee", "first_visit"
        )
    )
    return values


FIELD_LABELS = {
    "kind": "type",
    "date": "date",
    "duration_minutes": "durée",
    "place_type": "lieu",
    "venue_id": "lieu d'activité",
    "place_insee": "commune du lieu",
    "precisions_demarche": "démarche",
    "autonomie": "autonomie",
    "oriented": "orientation",
    "structure_redirection": "structure de redirection",
    "level": "niveau",
    "title": "nom de l'atelier",
    "notes": "notes",
    "thematiques": "thématiques",
    "materiels": "matériel",
    "demarches": "démarches",
    "participants": "profil des personnes",
}


@transaction.atomic
def update_activity_record(*, record: ActivityRecord, data: ActivityData, by) -> ActivityRecord:
    record = (
        ActivityRecord.objects.select_for_update(of=("self",))
        .select_related("adviser")
        .get(pk=record.pk)
    )
    now = clock.now()
    manager = _manages(by, record.territory_id)
    if not manager:
        if by is None or not by.is_authenticated or by.pk != record.adviser_id:
            raise ValidationError(FORBIDDEN, code="forbidden")
        if record.is_locked(now):
            raise ValidationError(LOCKED, code="locked")
    if data.kind != record.kind and (record.appointment_id or record.session_id):
        raise ValidationError(
            "Le type d'un compte rendu de rendez-vous ou de séance ne change pas."
        )
    errors = _validate(data, territory_id=record.territory_id, adviser=record.adviser)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(record)
    record.updated_at = now
    _write(record, data, adviser=record.adviser)
    after = _snapshot(record)
    changed = [
        FIELD_LABELS.get(k, k.removeprefix("anon_").replace("_", " "))
        for k in before
        if before[k] != after[k]
    ]
    correction = by.pk != record.adviser_id or record.is_locked(now)
    what = ", ".join(dict.fromkeys(changed)) or "aucun changement"
    audit.record(
        actor=by,
        obj=record,
        action="activity.corrected" if correction else "activity.updated",
        description=(
            f"Compte rendu du {record.date:%d/%m/%Y} de {record.adviser} "
            f"{'corrigé par la coordination' if correction else 'modifié'} : {what}."
        ),
        territory_id=record.territory_id,
    )
    return record
