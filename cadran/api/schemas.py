"""The shapes of what the API reads and returns.

Every rule the server checks on one field is written in the field's schema, so that the
OpenAPI document says exactly what is accepted (issue 15): lengths, patterns, ``const``,
enumerations. The patterns are the ones pydantic validates with (one source for both).
Rules that need the database (a free slot, a commune of the territory, a library card's
format chosen by each territory) stay in the services and are documented 422/409 answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, field_validator

from cadran.scheduling.enums import Thematique

from .errors import CONSENT_REQUIRED, EMAIL_FORMAT
from .periods import ApiDate

# The characters Python's ``str.strip()`` removes (the server strips names and codes):
# written out, because ``\s`` does not mean the same set in Python, JavaScript and Rust.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_WS = "[" + WHITESPACE + "]"
# A name: at least one character that is not white space.
NAME_PATTERN = "[^" + WHITESPACE + "]"
# An INSEE code, upper or lower case, white space around allowed; or nothing at all.
INSEE_PATTERN = "^(?:" + _WS + "*(?:[0-9]{5}|2[ABab][0-9]{3})" + _WS + "*)?$"
# A phone number: 10 to 15 digits, with spaces, dots, hyphens or brackets between them;
# « +33 » counts as the leading 0; another international prefix keeps its digits.
_SEP = "[ .()-]*"
PHONE_PATTERN = (
    "^(?:"
    f"{_SEP}(?:[0-9]{_SEP}){{10,15}}"
    f"|\\+33(?:{_SEP}[0-9]){{9,14}}{_SEP}"
    f"|\\+[124-9](?:{_SEP}[0-9]){{9,14}}{_SEP}"
    f"|\\+3[0-24-9](?:{_SEP}[0-9]){{8,13}}{_SEP}"
    ")?$"
)
TOPIC_CODES = [str(value) for value in Thematique.values]

NAME_MAX_LENGTH = 100
PHONE_MAX_LENGTH = 20
EMAIL_MAX_LENGTH = 254

FirstName = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN, description="Prénom."),
]
LastName = Annotated[
    str, Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN, description="Nom.")
]


def _email_schema(schema: dict[str, Any]) -> None:
    """An address Django accepts, an empty string, or null (no address)."""
    schema.pop("anyOf", None)
    schema.pop("type", None)
    schema["anyOf"] = [
        {"type": "string", "format": "email", "maxLength": EMAIL_MAX_LENGTH},
        {"type": "string", "maxLength": 0},
        {"type": "null"},
    ]


Phone = Annotated[
    str | None,
    Field(
        max_length=PHONE_MAX_LENGTH,
        pattern=PHONE_PATTERN,
        description=(
            "Téléphone : 10 à 15 chiffres, espaces, points, tirets ou parenthèses permis ; "
            "+33 compte comme le 0 du début."
        ),
        examples=["06 12 34 56 78"],
    ),
]
Email = Annotated[
    str | None,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        description="Adresse e-mail (sans espace autour).",
        json_schema_extra=_email_schema,
    ),
]


def clean_email(value: str | None) -> str:
    """The address as given, or a French ``ValueError``: no white space around it."""
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise ValueError(EMAIL_FORMAT) from exc
    return value or ""


def contact_required(schema: dict[str, Any]) -> None:
    """A phone number or an e-mail address: one of them, not empty (also checked by the
    service, which words the refusal under ``phone``)."""
    schema["anyOf"] = [
        {"required": ["phone"], "properties": {"phone": {"type": "string", "minLength": 1}}},
        {"required": ["email"], "properties": {"email": {"type": "string", "minLength": 1}}},
    ]


def consent_const(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    schema["const"] = True
    schema["enum"] = [True]


class CommuneOut(Schema):
    insee_code: str = Field(description="Code INSEE (cinq caractères).", examples=["59212"])
    name: str = Field(examples=["Bourg-Fictif"])
    slug: str = Field(examples=["bourg-fictif"])
    postcode: str = Field(description="Code postal.", examples=["59940"])


class VenueOut(Schema):
    name: str = Field(description="Nom du lieu.", examples=["Mairie de Bourg-Fictif"])
    address: str = Field(description="Adresse du lieu.", examples=["Place du Général de Gaulle"])


class SlotPeriod(Schema):
    date_from: ApiDate | None = Field(
        None, alias="from", description="Premier jour (AAAA-MM-JJ). Par défaut : aujourd'hui."
    )
    date_to: ApiDate | None = Field(
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


TopicCode = Literal[tuple(TOPIC_CODES)]  # type: ignore[valid-type]

SLOT_PATTERN = "^[0-9]{1,12}-[0-9]{12}$"


class AppointmentIn(Schema):
    """A booking made by or for an inhabitant. A phone number or an e-mail is required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=contact_required)

    slot: str = Field(
        max_length=40,
        pattern=SLOT_PATTERN,
        description="Identifiant d'un créneau libre (champ id de la liste des créneaux).",
        examples=["12-202612020900"],
    )
    first_name: FirstName
    last_name: LastName
    phone: Phone = None
    email: Email = None
    commune_insee: str | None = Field(
        None,
        pattern=INSEE_PATTERN,
        description="Code INSEE de la commune où habite la personne (cinq caractères).",
        examples=["59212"],
    )
    topics: list[TopicCode] = Field(  # type: ignore[valid-type]
        min_length=1,
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
    consent: Literal[True] = Field(
        description=(
            "true : la personne accepte que ses coordonnées servent à la prévenir au sujet "
            "de ce rendez-vous. Obligatoire."
        ),
        json_schema_extra=consent_const,
    )

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str | None) -> str:
        return clean_email(value)

    @field_validator("commune_insee")
    @classmethod
    def check_insee(cls, value: str | None) -> str:
        return (value or "").strip().upper()

    @field_validator("topics", mode="before")
    @classmethod
    def check_topics(cls, value: object) -> object:
        # The list of codes is in the schema (enum); this only words the refusal.
        if isinstance(value, list):
            unknown = [str(v)[:64] for v in value if v not in TOPIC_CODES]
            if unknown:
                raise ValueError(f"Motif inconnu : {', '.join(unknown)}.")
        return value

    @field_validator("consent", mode="before")
    @classmethod
    def check_consent(cls, value: object) -> bool:
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
