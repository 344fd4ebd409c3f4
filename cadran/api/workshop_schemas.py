"""The shapes of what the workshop endpoints read and return (sessions, registrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, field_validator

from .periods import ApiDate
from .schemas import (
    INSEE_PATTERN,
    Email,
    FirstName,
    LastName,
    Phone,
    VenueOut,
    clean_email,
    consent_const,
    contact_required,
)

REGISTRATION_CONSENT_REQUIRED = (
    "Pour s'inscrire, la personne doit accepter que ses coordonnées servent à la prévenir "
    "au sujet de l'atelier (consent doit valoir true)."
)


def _registration_schema(schema: dict[str, Any]) -> None:
    """``consent`` has a default only to word its error; it is required all the same, and
    ``true``. A phone number or an e-mail address is required."""
    required = schema.setdefault("required", [])
    if "consent" not in required:
        required.append("consent")
    consent_const(schema["properties"]["consent"])
    contact_required(schema)


class SessionPeriod(Schema):
    date_from: ApiDate | None = Field(
        None, alias="from", description="Premier jour (AAAA-MM-JJ). Par défaut : aujourd'hui."
    )
    date_to: ApiDate | None = Field(
        None, alias="to", description="Dernier jour (AAAA-MM-JJ). Par défaut : from + 30 jours."
    )
    commune: str | None = Field(
        None,
        max_length=5,
        description="Code INSEE d'une commune : seulement les ateliers qui s'y tiennent.",
        examples=["59212"],
    )


class SessionDateOut(Schema):
    start: dt.datetime = Field(examples=["2026-12-05T10:00:00+01:00"])
    end: dt.datetime = Field(examples=["2026-12-05T12:00:00+01:00"])


class PlaceOut(Schema):
    name: str = Field(description="Nom du lieu où se tient la séance.", examples=["Marché"])
    address: str = Field(description="Adresse.", examples=["Place du Marché"])
    commune: str = Field(description="Commune du lieu.", examples=["Bourg-Fictif"])
    access: str | None = Field(
        description="Pour trouver le lieu (stand, entrée…) ; null quand rien n'est indiqué.",
        examples=["Stand sous la halle, à côté de la fontaine."],
    )
    off_site: bool = Field(
        description="true : séance « hors les murs », ailleurs que dans le lieu habituel."
    )


class SessionOut(Schema):
    id: int = Field(
        description="Identifiant de la séance (de la première séance pour un cycle).",
        examples=[42],
    )
    title: str = Field(examples=["Arnaques en ligne : les repérer"])
    format: str = Field(
        description="Format de l'atelier.", examples=["Cours collectif d'initiation"]
    )
    level: str = Field(
        description="Niveau : debutant, intermediaire ou avance.", examples=["debutant"]
    )
    start: dt.datetime = Field(
        description="Début (de la première séance pour un cycle), heure de Paris avec son décalage.",
        examples=["2026-12-05T10:00:00+01:00"],
    )
    end: dt.datetime = Field(
        description="Fin de la première séance, heure de Paris avec son décalage.",
        examples=["2026-12-05T12:00:00+01:00"],
    )
    sessions: list[SessionDateOut] = Field(
        description=(
            "Toutes les séances : une seule pour un atelier simple, toutes les dates pour un "
            "cycle (on s'inscrit une fois pour tout le cycle)."
        )
    )
    venue: VenueOut = Field(
        description="Où se tient la séance (nom et adresse ; le lieu hors les murs s'il y en a un)."
    )
    place: PlaceOut = Field(description="Où se tient la séance, en détail.")
    places_left: int = Field(
        description="Places libres ; 0 : complet, une inscription va en liste d'attente.",
        examples=[8],
    )
    status: str = Field(
        description=(
            "scheduled (programmée : le nombre d'inscrits sera vérifié 48 heures avant) ou "
            "confirmed (confirmée)."
        ),
        examples=["scheduled"],
    )


class RegistrationIn(Schema):
    """A registration made by or for an inhabitant. A phone number or an e-mail is required,
    and a way to be eligible: a commune of the territory or a library card of the network."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_registration_schema)

    first_name: FirstName
    last_name: LastName
    phone: Phone = None
    email: Email = None
    commune_insee: str | None = Field(
        None,
        pattern=INSEE_PATTERN,
        description=(
            "Code INSEE de la commune où habite la personne : si elle est du territoire, la "
            "personne peut s'inscrire."
        ),
        examples=["59212"],
    )
    library_card: str | None = Field(
        None,
        max_length=40,
        description="Numéro de carte du réseau des médiathèques (pour qui habite ailleurs).",
        examples=["00123456"],
    )
    notify_sms: StrictBool = Field(
        True, description="Prévenir la personne par SMS (si le téléphone est un portable)."
    )
    notify_email: StrictBool = Field(
        True, description="Prévenir la personne par e-mail (si une adresse est donnée)."
    )
    # Missing, false or not a boolean: the same plain message about workshops (the shared
    # message for ``consent`` speaks of appointments), hence the default that is validated.
    consent: StrictBool = Field(
        False,
        validate_default=True,
        description=(
            "true : la personne accepte que ses coordonnées servent à la prévenir au sujet "
            "de l'atelier. Obligatoire."
        ),
    )

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str | None) -> str:
        return clean_email(value)

    @field_validator("commune_insee")
    @classmethod
    def check_insee(cls, value: str | None) -> str:
        return (value or "").strip().upper()

    @field_validator("consent", mode="before")
    @classmethod
    def check_consent(cls, value: object) -> bool:
        if value is not True:
            raise ValueError(REGISTRATION_CONSENT_REQUIRED)
        return value


class RegistrationOut(Schema):
    reference: str = Field(description="Référence à donner au téléphone.", examples=["K7M2QX"])
    status: str = Field(
        description="confirmed (inscrit) ou waiting (sur la liste d'attente).",
        examples=["confirmed"],
    )
    waiting_position: int | None = Field(
        None, description="Place sur la liste d'attente (1 : la prochaine place libre)."
    )
    manage_url: str = Field(
        description=(
            "Adresse privée de l'inscription : la personne y retrouve et annule son "
            "inscription. Elle contient un secret : ne la montrez qu'à cette personne."
        ),
    )
