"""The shapes of what the API reads and returns."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, field_validator

from .errors import CONSENT_REQUIRED, EMAIL_FORMAT, INSEE_FORMAT

INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class CommuneOut(Schema):
    insee_code: str = Field(description="Code INSEE (cinq caractères).", examples=["59212"])
    name: str = Field(examples=["Bourg-Fictif"])
    slug: str = Field(examples=["bourg-fictif"])
    postcode: str = Field(description="Code postal.", examples=["59940"])


class VenueOut(Schema):
    name: str = Field(description="Nom du lieu.", examples=["Mairie de Bourg-Fictif"])
    address: str = Field(description="Adresse du lieu.", examples=["Place du Général de Gaulle"])


class SlotPeriod(Schema):
    date_from: dt.date | None = Field(
        None, alias="from", description="Premier jour (AAAA-MM-JJ). Par défaut : aujourd'hui."
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Dernier jour (AAAA-MM-JJ). Par défaut : from + 30 jours."
    )


class SlotOut(Schema):
    id: str = Field(
        description="Identifiant du créneau, à renvoyer tel quel pour réserver.",
        examples=["12-202612020900"],
    )
    start: dt.datetime = Field(
        description="Début, heure de Paris avec son décalage (ISO 8601).",
        examples=["2026-12-02T09:00:00+01:00"],
    )
    end: dt.datetime = Field(
        description="Fin, heure de Paris avec son décalage (ISO 8601).",
        examples=["2026-12-02T10:00:00+01:00"],
    )
    venue: VenueOut


TopicCode = Annotated[str, Field(max_length=64)]


class AppointmentIn(Schema):
    """A booking made by or for an inhabitant. A phone number or an e-mail is required."""

    model_config = ConfigDict(extra="forbid")

    slot: str = Field(
        max_length=40,
        description="Identifiant d'un créneau libre (champ id de la liste des créneaux).",
        examples=["12-202612020900"],
    )
    first_name: str = Field(max_length=100, description="Prénom.")
    last_name: str = Field(max_length=100, description="Nom.")
    phone: str | None = Field(
        None, max_length=20, description="Téléphone (10 chiffres).", examples=["06 12 34 56 78"]
    )
    email: str | None = Field(None, max_length=254, description="Adresse e-mail.")
    commune_insee: str | None = Field(
        None,
        description="Code INSEE de la commune où habite la personne (cinq caractères).",
        examples=["59212"],
    )
    topics: list[TopicCode] = Field(
        max_length=20,
        description=(
            "Motifs du rendez-vous, codes des thématiques du compte rendu d'activité national "
            "(ex. aide_aux_demarches_administratives, sante)."
        ),
        examples=[["aide_aux_demarches_administratives"]],
    )
    notify_sms: StrictBool = Field(
        True, description="Prévenir la personne par SMS (si le téléphone est un portable)."
    )
    notify_email: StrictBool = Field(
        True, description="Prévenir la personne par e-mail (si une adresse est donnée)."
    )
    consent: StrictBool = Field(
        description=(
            "true : la personne accepte que ses coordonnées servent à la prévenir au sujet "
            "de ce rendez-vous. Obligatoire."
        ),
    )

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value:
            try:
                validate_email(value)
            except DjangoValidationError as exc:
                raise ValueError(EMAIL_FORMAT) from exc
        return value

    @field_validator("commune_insee")
    @classmethod
    def check_insee(cls, value: str | None) -> str | None:
        value = (value or "").strip().upper()
        if value and not INSEE_RE.match(value):
            raise ValueError(INSEE_FORMAT)
        return value

    @field_validator("consent")
    @classmethod
    def check_consent(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError(CONSENT_REQUIRED)
        return value


class AppointmentOut(Schema):
    reference: str = Field(description="Référence à donner au téléphone.", examples=["K7M2QX"])
    start: dt.datetime = Field(examples=["2026-12-02T09:00:00+01:00"])
    end: dt.datetime = Field(examples=["2026-12-02T10:00:00+01:00"])
    venue: VenueOut
    manage_url: str = Field(
        description=(
            "Adresse privée du rendez-vous : la personne y retrouve et annule son rendez-vous. "
            "Elle contient un secret : ne la montrez qu'à cette personne."
        ),
    )


class CancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(
        max_length=100,
        description="Le secret de l'adresse privée (la partie après /rendez-vous/).",
    )


class CancelOut(Schema):
    reference: str
    status: str = Field(
        description="Nouvel état : excused (annulé par la personne).", examples=["excused"]
    )
