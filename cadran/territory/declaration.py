"""A territory from one declarative file (TOML): ``manage.py load_territory FILE``.

The file says what the territory is: identity, communes (INSEE codes), libraries, venues,
staff accounts with their roles, permanences, retention durations (docs/adopter-cadran.md
has a complete example). Loading it creates what is missing and updates what changed; it is
idempotent: loading the same file twice changes nothing the second time. Everything is
checked first and written in one transaction: a file with one error writes nothing, and
every error is reported in French with the line it is on.

Objects are matched by their natural keys, never by database ids: the territory by its
``identifiant``, a commune by its INSEE code, a library or a venue by its commune and name,
an account by its e-mail, a permanence by its commune, venue, day and start time. What the
file does not mention is left as it is (nothing is deleted).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from .models import Commune, Library, Territory, Venue

ROLES = {
    "service_culture": "culture_service",
    "coordination": "coordinator",
    "conseiller": "adviser",
    "referent": "commune_referent",
    "bibliothecaire": "librarian",
}
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class DeclarationError(Exception):
    """The file cannot be loaded: every problem found, each with its line."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        self.problems = problems
        super().__init__(self.text())

    def text(self) -> str:
        lines = [
            f"ligne {line} : {message}" if line else message for line, message in self.problems
        ]
        return "\n".join(lines)


@dataclass
class Report:
    territory: Territory | None = None
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = []
        for label in dict.fromkeys([*self.created, *self.updated, *self.unchanged]):
            parts.append(
                f"{label} : {self.created[label]} créé(s), {self.updated[label]} modifié(s), "
                f"{self.unchanged[label]} inchangé(s)"
            )
        return "\n".join(parts)

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


class Locator:
    """The line of a section, an item of a list of sections, or a key in them."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str]] = []  # (line number, dotted name)
        for number, line in enumerate(self.lines, start=1):
            match = self.HEADER.match(line)
            if match:
                self.headers.append((number, match.group(2)))

    def line(self, section: str, index: int | None = None, key: str | None = None) -> int | None:
        starts = [n for n, name in self.headers if name == section]
        if not starts:
            return None
        start = starts[index or 0] if (index or 0) < len(starts) else starts[-1]
        if key is None:
            return start
        following = [n for n, _ in self.headers if n > start]
        end = following[0] if following else len(self.lines) + 1
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start + 1, end):
            if pattern.match(self.lines[number - 1]):
                return number
        return start


def parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        where = f", colonne {match.group(2)}" if match else ""
        raise DeclarationError(
            [(line, f"le fichier n'est pas du TOML valide{where} ({message}).")]
        ) from exc


class Loader:
    """Applies a parsed declaration inside a transaction, collecting every problem."""

    def __init__(
        self,
        text: str,
        data: dict[str, Any],
        *,
        by=None,
        invite: bool = True,
        progress: Callable[[str], Any] | None = None,
    ):
        self.progress = progress or (lambda message: None)
        self.where = Locator(text)
        self.data = data
        self.by = by
        self.invite = invite
        self.problems: list[tuple[int | None, str]] = []
        self.report = Report()
        self.territory: Territory | None = None
        self.communes: dict[str, Commune] = {}
        self.libraries: dict[tuple[str, str], Library] = {}
        self.venues: dict[tuple[str, str], Venue] = {}
        self.accounts: dict[str, Any] = {}
        # Declared but in error: what refers to them is not reported a second time.
        self.invalid_communes: set[str] = set()
        self.invalid_venues: set[tuple[str, str]] = set()

    # --- helpers -----------------------------------------------------------------------------

    def problem(self, message: str, section: str, index: int | None = None, key=None) -> None:
        self.problems.append((self.where.line(section, index, key), message))

    def items(self, section: str) -> list[tuple[int, dict[str, Any]]]:
        value = self.data.get(section, [])
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.problems.append((None, f"« {section} » doit être une liste [[{section}]]."))
            return []
        return list(enumerate(value))

    def get(
        self, item: dict, key: str, section: str, index: int | None, *, kind=str, required=True
    ):
        if key not in item:
            if required:
                self.problem(f"« {key} » manque dans [[{section}]].", section, index)
            return None
        value = item[key]
        if kind is str and isinstance(value, str):
            value = value.strip()
        if not isinstance(value, kind):
            expected = {
                str: "un texte entre guillemets",
                int: "un nombre",
                bool: "true ou false",
                list: "une liste entre crochets",
            }.get(kind, kind.__name__)
            self.problem(f"« {key} » doit être {expected}.", section, index, key)
            return None
        return value

    def unknown_keys(self, item: dict, allowed: set[str], section: str, index) -> None:
        for key in item:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.problem(
                    f"clé inconnue « {key} » dans [[{section}]] (clés possibles : {known}).",
                    section,
                    index,
                    key,
                )

    def save(self, label: str, obj: models.Model, values: dict[str, Any], section, index) -> bool:
        """Set ``values`` on ``obj``, validate, save if new or changed. False on error."""
        changed = obj.pk is None
        for name, value in values.items():
            try:
                current = getattr(obj, name)
            except ObjectDoesNotExist:  # a relation not set yet
                current = None
            if current != value:
                setattr(obj, name, value)
                changed = True
        try:
            obj.full_clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    key = self.keys_by_field.get(name)
                    self.problem(f"{label} : {message}", section, index, key)
            return False
        if obj.pk is None:
            obj.save()
            self.report.created[label] += 1
        elif changed:
            obj.save()
            self.report.updated[label] += 1
        else:
            self.report.unchanged[label] += 1
        return True

    keys_by_field: dict[str, str] = {}

    def coordinate(self, value, section, index, key) -> Decimal | None:
        """A latitude or longitude in degrees, as a number (``50.6486``), 6 decimals kept."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(f"« {key} » : un nombre en degrés, comme 50.6486.", section, index, key)
            return None
        return Decimal(str(value)).quantize(Decimal("0.000001"))

    def time(self, value, section, index, key) -> dt.time | None:
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}[:h]\d{2}", value):
            hours, minutes = re.split(r"[:h]", value)
            if int(hours) < 24 and int(minutes) < 60:
                return dt.time(int(hours), int(minutes))
        self.problem(f'« {key} » : une heure comme "14:00" (reçu {value!r}).', section, index, key)
        return None

    def date(self, value, section, index, key) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(
            f"« {key} » : une date comme 2027-01-08 (reçu {value!r}).", section, index, key
        )
        return None

    def commune(self, insee, section, index, key="commune") -> Commune | None:
        commune = self.communes.get(str(insee))
        if commune is None and str(insee) in self.invalid_communes:
            return None  # its own error is already reported
        if commune is None:
            self.problem(
                f"la commune {insee!r} n'est pas dans les [[communes]] du fichier.",
                section,
                index,
                key,
            )
        return commune

    # --- sections ----------------------------------------------------------------------------

    def run(self) -> Report:
        self.load_territory()
        if self.territory is None:
            return self.report
        for label, step in self.steps():
            self.progress(f"  {label}…")
            step()
        return self.report

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("communes", self.load_communes),
            ("bibliothèques", self.load_libraries),
            ("lieux", self.load_venues),
            ("personnel", self.load_staff),
            ("permanences", self.load_permanences),
            ("durées de conservation", self.load_retention),
            ("ateliers", lambda: _load_workshops(self)),
            ("formats d'ateliers", lambda: _load_workshop_formats(self)),
            ("conventions", lambda: _load_agreement_rules(self)),
        ]

    TERRITORY_KEYS = {
        "identifiant": "slug",
        "nom": "name",
        "sigle": "short_name",
        "siren": "siren",
        "siret": "siret",
        "service": "service_name",
        "telephone": "contact_phone",
        "email": "contact_email",
        "zone_vacances": "school_zone",
        "format_carte_bibliotheque": "library_card_pattern",
        "dispositif": "programme_name",
        "expediteur_sms": "sms_sender",
        "expediteur_email_nom": "email_from_name",
        "expediteur_email_adresse": "email_from_address",
        "adresse_site": "site_url",
        "heure_rappel": "reminder_time",
        "heure_recapitulatif": "digest_time",
        "confirmation_rdv_jours": "appointment_confirmation_days",
        "confirmation_atelier_jours": "workshop_confirmation_days",
    }
    TERRITORY_TIMES = {"heure_rappel", "heure_recapitulatif"}
    TERRITORY_NUMBERS = {"confirmation_rdv_jours", "confirmation_atelier_jours"}

    def load_territory(self) -> None:
        section = "territoire"
        item = self.data.get(section)
        if not isinstance(item, dict):
            self.problems.append((None, "le fichier doit commencer par une section [territoire]."))
            return
        self.unknown_keys(item, set(self.TERRITORY_KEYS), section, None)
        slug = self.get(item, "identifiant", section, None)
        name = self.get(item, "nom", section, None)
        if slug is None or name is None:
            return
        values = {}
        for key, field_name in self.TERRITORY_KEYS.items():
            if key in item and key in self.TERRITORY_TIMES:
                value = self.time(item[key], section, None, key)
                if value is not None:
                    values[field_name] = value
            elif key in item and key in self.TERRITORY_NUMBERS:
                value = self.get(item, key, section, None, kind=int)
                if value is not None:
                    values[field_name] = value
            elif key in item:
                value = self.get(item, key, section, None)
                if value is not None:
                    values[field_name] = value
        values.setdefault("short_name", name[:30])
        territory = Territory.objects.filter(slug=slug).first() or Territory()
        self.keys_by_field = {v: k for k, v in self.TERRITORY_KEYS.items()}
        if self.save("Territoire", territory, values, section, None):
            self.territory = territory
            self.report.territory = territory

    COMMUNE_KEYS = {
        "insee": "insee_code",
        "nom": "name",
        "code_postal": "postcode",
        "departement": "department",
        "population": "population",
        "identifiant": "slug",
        "h_aspire": "h_aspire",
    }

    def load_communes(self) -> None:
        section = "communes"
        self.keys_by_field = {v: k for k, v in self.COMMUNE_KEYS.items()}
        seen: set[str] = set()
        for index, item in self.items(section):
            self.unknown_keys(item, set(self.COMMUNE_KEYS), section, index)
            insee = self.get(item, "insee", section, index)
            name = self.get(item, "nom", section, index)
            postcode = self.get(item, "code_postal", section, index)
            if insee is None or name is None or postcode is None:
                continue
            if insee in seen:
                self.problem(f"la commune {insee} est déclarée deux fois.", section, index, "insee")
                continue
            seen.add(insee)
            commune = Commune.objects.filter(insee_code=insee).first()
            if commune is not None and commune.territory_id != self.territory.pk:
                self.problem(
                    f"la commune {insee} ({commune.name}) appartient déjà à {commune.territory}.",
                    section,
                    index,
                    "insee",
                )
                continue
            commune = commune or Commune(territory=self.territory)
            slug = item.get("identifiant") or commune.slug or slugify(name)
            if Commune.objects.filter(slug=slug).exclude(pk=commune.pk).exists():
                slug = f"{slug}-{insee}"
            values = {
                "insee_code": insee,
                "name": name,
                "postcode": postcode,
                "department": item.get("departement") or insee[:2],
                "population": self.get(
                    item, "population", section, index, kind=int, required=False
                ),
                "slug": slug,
                "h_aspire": bool(
                    self.get(item, "h_aspire", section, index, kind=bool, required=False)
                ),
            }
            if self.save("Communes", commune, values, section, index):
                self.communes[insee] = commune
            else:
                self.invalid_communes.add(insee)

    def load_libraries(self) -> None:
        section = "bibliotheques"
        self.keys_by_field = {"name": "nom", "address": "adresse", "commune": "commune"}
        for index, item in self.items(section):
            self.unknown_keys(item, {"commune", "nom", "adresse"}, section, index)
            insee = self.get(item, "commune", section, index)
            name = self.get(item, "nom", section, index)
            commune = self.commune(insee, section, index) if insee else None
            if commune is None or name is None:
                continue
            library = Library.objects.filter(commune=commune, name=name).first() or Library(
                commune=commune
            )
            values = {"name": name, "address": item.get("adresse", library.address or "")}
            if self.save("Bibliothèques", library, values, section, index):
                self.libraries[(insee, name)] = library

    VENUE_FLAGS = {
        "confidentiel": "confidential",
        "accessible": "accessible",
        "wifi": "wifi",
        "chauffe": "heated",
        "assure": "insured",
        "ordinateur": "has_pc",
        "imprimante": "has_printer",
        "videoprojecteur": "has_projector",
        "ecran": "has_screen",
        "tables_chaises": "has_tables_chairs",
    }

    def load_venues(self) -> None:
        section = "lieux"
        allowed = {
            "commune",
            "nom",
            "adresse",
            "salle",
            "bibliotheque",
            "siret",
            "latitude",
            "longitude",
            *self.VENUE_FLAGS,
        }
        self.keys_by_field = {
            "name": "nom",
            "address": "adresse",
            "room": "salle",
            "siret": "siret",
            "latitude": "latitude",
            "longitude": "longitude",
        } | {v: k for k, v in self.VENUE_FLAGS.items()}
        for index, item in self.items(section):
            self.unknown_keys(item, allowed, section, index)
            insee = self.get(item, "commune", section, index)
            name = self.get(item, "nom", section, index)
            address = self.get(item, "adresse", section, index)
            commune = self.commune(insee, section, index) if insee else None
            if commune is None or name is None or address is None:
                continue
            venue = Venue.objects.filter(commune=commune, name=name).first() or Venue(
                commune=commune
            )
            values: dict[str, Any] = {"name": name, "address": address}
            values["room"] = self.get(item, "salle", section, index, required=False) or ""
            if "siret" in item:
                values["siret"] = self.get(item, "siret", section, index) or ""
            for key in ("latitude", "longitude"):
                if key in item:
                    values[key] = self.coordinate(item[key], section, index, key)
            for key, field_name in self.VENUE_FLAGS.items():
                if key in item:
                    flag = self.get(item, key, section, index, kind=bool)
                    if flag is not None:
                        values[field_name] = flag
            library_name = item.get("bibliotheque")
            if library_name:
                library = self.libraries.get((insee, library_name))
                if library is None:
                    self.problem(
                        f"la bibliothèque « {library_name} » n'est pas dans les "
                        f"[[bibliotheques]] de la commune {insee}.",
                        section,
                        index,
                        "bibliotheque",
                    )
                    continue
                values["library"] = library
            if self.save("Lieux", venue, values, section, index):
                self.venues[(insee, name)] = venue
            else:
                self.invalid_venues.add((insee, name))

    def load_staff(self) -> None:
        from cadran.accounts.models import User
        from cadran.accounts.staff import create_staff_account, scope_errors

        section = "personnel"
        allowed = {"email", "prenom", "nom", "role", "communes", "bibliotheque", "telephone"}
        for index, item in self.items(section):
            self.unknown_keys(item, allowed, section, index)
            email = self.get(item, "email", section, index)
            first = self.get(item, "prenom", section, index)
            last = self.get(item, "nom", section, index)
            role_key = self.get(item, "role", section, index)
            if None in (email, first, last, role_key):
                continue
            role = ROLES.get(role_key)
            if role is None:
                self.problem(
                    f"rôle inconnu « {role_key} » (rôles possibles : {', '.join(ROLES)}).",
                    section,
                    index,
                    "role",
                )
                continue
            insees = self.get(item, "communes", section, index, kind=list, required=False) or []
            communes = [self.commune(i, section, index, "communes") for i in insees]
            if None in communes:
                continue
            library = None
            library_ref = item.get("bibliotheque")
            if library_ref:
                matches = [lib for (i, n), lib in self.libraries.items() if n == library_ref]
                if len(matches) != 1:
                    self.problem(
                        f"la bibliothèque « {library_ref} » n'est pas (ou pas une seule fois) "
                        "dans les [[bibliotheques]] du fichier.",
                        section,
                        index,
                        "bibliotheque",
                    )
                    continue
                library = matches[0]
            phone = item.get("telephone", "")
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                try:
                    user = create_staff_account(
                        email=email,
                        first_name=first,
                        last_name=last,
                        role=role,
                        territory=self.territory,
                        communes=communes,
                        library=library,
                        phone=phone,
                        by=self.by,
                        invite=self.invite,
                    )
                except ValidationError as exc:
                    for key, messages in exc.message_dict.items():
                        for message in messages:
                            self.problem(f"{email} : {message}", section, index, key)
                    continue
                self.report.created["Comptes du personnel"] += 1
                self.accounts[user.email] = user
                continue
            if existing.territory_id not in (None, self.territory.pk):
                self.problem(
                    f"le compte {email} appartient déjà à un autre territoire.",
                    section,
                    index,
                    "email",
                )
                continue
            errors = scope_errors(
                role=role, territory=self.territory, communes=communes, library=library
            )
            if errors:
                for key, messages in errors.items():
                    for message in messages:
                        self.problem(f"{email} : {message}", section, index, key)
                continue
            values = {
                "first_name": first,
                "last_name": last,
                "role": role,
                "territory": self.territory,
                "library": library,
                "phone": phone,
            }
            self.keys_by_field = {"first_name": "prenom", "last_name": "nom", "phone": "telephone"}
            before = set(existing.communes.values_list("pk", flat=True))
            if self.save("Comptes du personnel", existing, values, section, index):
                if before != {c.pk for c in communes}:
                    existing.communes.set(communes)
                    if self.report.unchanged["Comptes du personnel"]:
                        self.report.unchanged["Comptes du personnel"] -= 1
                        self.report.updated["Comptes du personnel"] += 1
                self.accounts[existing.email] = existing

    PERMANENCE_KEYS = {
        "commune",
        "lieu",
        "conseiller",
        "jour",
        "debut",
        "fin",
        "arrivee",
        "duree_rdv",
        "a_partir_du",
        "jusqu_au",
        "reservation_en_ligne",
    }

    FREQUENCIES = {
        "chaque_semaine": "weekly",
        "une_semaine_sur_deux": "fortnightly",
        "une_fois_par_mois": "monthly",
    }
    WEEKS_OF_MONTH = {"premier": 1, "deuxieme": 2, "troisieme": 3, "quatrieme": 4, "dernier": -1}

    def permanence_values(self, item, section, index) -> dict[str, Any] | None:
        """The recurrence: ``frequence``, ``premiere_date`` (une semaine sur deux),
        ``semaine_du_mois`` (une fois par mois: premier … quatrieme, dernier)."""
        frequency_key = item.get("frequence", "chaque_semaine")
        frequency = self.FREQUENCIES.get(frequency_key)
        if frequency is None:
            self.problem(
                f"fréquence inconnue « {frequency_key} » (possibles : "
                f"{', '.join(self.FREQUENCIES)}).",
                section,
                index,
                "frequence",
            )
            return None
        values: dict[str, Any] = {"frequency": frequency, "first_date": None, "week_of_month": None}
        if "premiere_date" in item:
            first = self.date(item["premiere_date"], section, index, "premiere_date")
            if first is None:
                return None
            values["first_date"] = first
        if "semaine_du_mois" in item:
            week = self.WEEKS_OF_MONTH.get(item["semaine_du_mois"])
            if week is None:
                self.problem(
                    f"« semaine_du_mois » : {', '.join(self.WEEKS_OF_MONTH)} "
                    f"(reçu {item['semaine_du_mois']!r}).",
                    section,
                    index,
                    "semaine_du_mois",
                )
                return None
            values["week_of_month"] = week
        return values

    def load_permanences(self) -> None:
        from cadran.accounts.models import User
        from cadran.scheduling.models import Permanence

        section = "permanences"
        self.keys_by_field = {
            "start_time": "debut",
            "end_time": "fin",
            "slot_minutes": "duree_rdv",
            "valid_from": "a_partir_du",
            "valid_until": "jusqu_au",
            "adviser_arrival_time": "arrivee",
            "first_date": "premiere_date",
            "week_of_month": "semaine_du_mois",
            "frequency": "frequence",
        }
        for index, item in self.items(section):
            self.unknown_keys(
                item, self.PERMANENCE_KEYS | self.extra_permanence_keys(), section, index
            )
            insee = self.get(item, "commune", section, index)
            venue_name = self.get(item, "lieu", section, index)
            adviser_email = self.get(item, "conseiller", section, index)
            day = self.get(item, "jour", section, index)
            commune = self.commune(insee, section, index) if insee else None
            if None in (commune, venue_name, adviser_email, day):
                continue
            venue = self.venues.get((insee, venue_name))
            if venue is None and (insee, venue_name) in self.invalid_venues:
                continue
            if venue is None:
                self.problem(
                    f"le lieu « {venue_name} » n'est pas dans les [[lieux]] de la commune {insee}.",
                    section,
                    index,
                    "lieu",
                )
                continue
            adviser = (
                self.accounts.get(adviser_email.lower())
                or User.objects.filter(
                    email__iexact=adviser_email, territory=self.territory
                ).first()
            )
            if adviser is None or adviser.role != ROLES["conseiller"]:
                self.problem(
                    f"« {adviser_email} » n'est pas un conseiller du [[personnel]] du fichier.",
                    section,
                    index,
                    "conseiller",
                )
                continue
            if day.lower() not in DAYS:
                self.problem(f"jour inconnu « {day} » (lundi … dimanche).", section, index, "jour")
                continue
            start = self.time(item.get("debut"), section, index, "debut")
            end = self.time(item.get("fin"), section, index, "fin")
            valid_from = self.date(item.get("a_partir_du"), section, index, "a_partir_du")
            if None in (start, end, valid_from):
                continue
            values: dict[str, Any] = {
                "venue": venue,
                "adviser": adviser,
                "end_time": end,
                "valid_from": valid_from,
                "valid_until": None,
            }
            if "jusqu_au" in item:
                values["valid_until"] = self.date(item["jusqu_au"], section, index, "jusqu_au")
            if "arrivee" in item:
                values["adviser_arrival_time"] = self.time(
                    item["arrivee"], section, index, "arrivee"
                )
            if "duree_rdv" in item:
                values["slot_minutes"] = self.get(item, "duree_rdv", section, index, kind=int)
            if "reservation_en_ligne" in item:
                values["online_booking"] = self.get(
                    item, "reservation_en_ligne", section, index, kind=bool
                )
            extra = self.permanence_values(item, section, index)
            if extra is None:
                continue
            values |= extra
            weekday = DAYS.index(day.lower())
            permanence = Permanence.objects.filter(
                commune=commune, venue=venue, weekday=weekday, start_time=start
            ).first() or Permanence(commune=commune, weekday=weekday, start_time=start)
            self.save("Permanences", permanence, values, section, index)

    def extra_permanence_keys(self) -> set[str]:
        return {"frequence", "premiere_date", "semaine_du_mois"}

    RETENTION_KEYS = {
        "personnes_mois": "beneficiary_months",
        "inscriptions_mois": "registration_months",
        "journal_mois": "audit_log_months",
    }

    def load_retention(self) -> None:
        from cadran.privacy.models import RetentionPolicy

        section = "donnees_personnelles"
        item = self.data.get(section)
        if item is None:
            return
        self.unknown_keys(item, set(self.RETENTION_KEYS), section, None)
        policy = RetentionPolicy.objects.filter(territory=self.territory).first()
        policy = policy or RetentionPolicy(territory=self.territory)
        values = {}
        for key, field_name in self.RETENTION_KEYS.items():
            if key in item:
                months = self.get(item, key, section, None, kind=int)
                if months is not None:
                    values[field_name] = months
        self.keys_by_field = {v: k for k, v in self.RETENTION_KEYS.items()}
        self.save("Durées de conservation", policy, values, section, None)


def _load_workshops(self: Loader) -> None:
    """``[ateliers]``: ``jauge_minimale`` (0: never cancelled for want of registrations) and
    ``etapes``, the names of the review circuit in order (the first proposes, the last
    decides). The steps listed replace the territory's steps."""
    from cadran.workshops.models import ReviewStep, WorkshopSettings

    section = "ateliers"
    item = self.data.get(section)
    if item is None:
        return
    self.unknown_keys(item, {"jauge_minimale", "etapes"}, section, None)
    if "jauge_minimale" in item:
        minimum = self.get(item, "jauge_minimale", section, None, kind=int)
        if minimum is not None:
            if minimum < 0:
                self.problem("« jauge_minimale » : 0 ou plus.", section, None, "jauge_minimale")
            else:
                settings_row = WorkshopSettings.objects.filter(territory=self.territory).first()
                settings_row = settings_row or WorkshopSettings(territory=self.territory)
                self.keys_by_field = {"default_min_attendance": "jauge_minimale"}
                self.save(
                    "Réglages des ateliers",
                    settings_row,
                    {"default_min_attendance": minimum},
                    section,
                    None,
                )
    if "etapes" in item:
        names = self.get(item, "etapes", section, None, kind=list)
        if names is None:
            return
        names = [str(n).strip() for n in names]
        if len(names) < 2 or len(set(names)) != len(names) or not all(names):
            self.problem(
                "« etapes » : au moins deux noms, tous différents (la première étape propose, "
                "la dernière décide).",
                section,
                None,
                "etapes",
            )
            return
        current = list(
            ReviewStep.objects.filter(territory=self.territory)
            .order_by("position")
            .values_list("name", flat=True)
        )
        if current == names:
            self.report.unchanged["Circuit des ateliers"] += 1
            return
        ReviewStep.objects.filter(territory=self.territory).delete()
        ReviewStep.objects.bulk_create(
            ReviewStep(territory=self.territory, position=i, name=name)
            for i, name in enumerate(names, start=1)
        )
        label = "Circuit des ateliers"
        (self.report.updated if current else self.report.created)[label] += 1


FORMAT_KINDS = {
    "evenement": "event",
    "cours": "beginner_course",
    "imprimante_3d": "printer_3d",
    "autre": "other",
}
FORMAT_LEVELS = {"debutant": "debutant", "intermediaire": "intermediaire", "avance": "avance"}
FORMAT_NUMBERS = {
    "duree_minutes": "default_duration_minutes",
    "places": "default_capacity",
    "jauge_minimale": "min_attendance",
}
FORMAT_FLAGS = {
    "videoprojecteur": "needs_projector",
    "ecran": "needs_screen",
    "tables_chaises": "needs_tables_chairs",
    "ordinateurs": "needs_pc",
    "wifi": "needs_wifi",
    "imprimante_3d_sur_place": "needs_3d_printer",
    "propose": "is_active",
}


def _load_workshop_formats(self: Loader) -> None:
    """``[[formats_ateliers]]``: the territory's workshop formats, found by their name
    (docs/ateliers.md). A format the file does not name is left as it is."""
    from cadran.workshops.models import WorkshopFormat

    section = "formats_ateliers"
    allowed = {"nom", "type", "description", "niveau", *FORMAT_NUMBERS, *FORMAT_FLAGS}
    self.keys_by_field = {
        "name": "nom",
        "kind": "type",
        "description": "description",
        "level": "niveau",
        **{v: k for k, v in FORMAT_NUMBERS.items()},
        **{v: k for k, v in FORMAT_FLAGS.items()},
    }
    for index, item in self.items(section):
        self.unknown_keys(item, allowed, section, index)
        name = self.get(item, "nom", section, index)
        kind_key = self.get(item, "type", section, index)
        if name is None or kind_key is None:
            continue
        if kind_key not in FORMAT_KINDS:
            choices = ", ".join(f"« {k} »" for k in FORMAT_KINDS)
            self.problem(f"« type » : {choices} (reçu « {kind_key} »).", section, index, "type")
            continue
        values: dict[str, Any] = {"name": name, "kind": FORMAT_KINDS[kind_key]}
        if "description" in item:
            values["description"] = self.get(item, "description", section, index) or ""
        if "niveau" in item:
            level = self.get(item, "niveau", section, index)
            if level not in FORMAT_LEVELS:
                choices = ", ".join(f"« {k} »" for k in FORMAT_LEVELS)
                self.problem(f"« niveau » : {choices}.", section, index, "niveau")
                continue
            values["level"] = FORMAT_LEVELS[level]
        for key, field_name in FORMAT_NUMBERS.items():
            if key in item:
                number = self.get(item, key, section, index, kind=int)
                if number is not None:
                    values[field_name] = number
        for key, field_name in FORMAT_FLAGS.items():
            if key in item:
                flag = self.get(item, key, section, index, kind=bool)
                if flag is not None:
                    values[field_name] = flag
        row = WorkshopFormat.objects.filter(territory=self.territory, name=name).first()
        row = row or WorkshopFormat(territory=self.territory)
        self.save("Formats d'ateliers", row, values, section, index)


AGREEMENT_KEYS = {
    "duree_mois": "term_months",
    "reconductions": "max_renewals",
    "preavis_mois": "notice_months",
    "premier_jour": "default_start_date",
    "limite_date": "cap_date",
    "limite_mois": "cap_months",
    "deliberation_numero": "cap_deliberation_number",
    "deliberation_date": "cap_deliberation_date",
    "deliberation_objet": "cap_deliberation_subject",
    "alerte_reconduction_mois": "renewal_alert_months",
    "alerte_limite_mois": "cap_alert_months",
}
AGREEMENT_DATES = {"premier_jour", "limite_date", "deliberation_date"}
AGREEMENT_NUMBERS = {
    "duree_mois",
    "reconductions",
    "preavis_mois",
    "limite_mois",
    "alerte_reconduction_mois",
    "alerte_limite_mois",
}


def _load_agreement_rules(self: Loader) -> None:
    """``[conventions]``: the rules of the territory's conventions (docs/conventions.md)."""
    from cadran.agreements.models import AgreementRules

    section = "conventions"
    item = self.data.get(section)
    if item is None:
        return
    self.unknown_keys(item, set(AGREEMENT_KEYS), section, None)
    values: dict[str, Any] = {}
    for key, field_name in AGREEMENT_KEYS.items():
        if key not in item:
            continue
        if key in AGREEMENT_DATES:
            value = self.date(item[key], section, None, key)
        elif key in AGREEMENT_NUMBERS:
            value = self.get(item, key, section, None, kind=int)
        else:
            value = self.get(item, key, section, None, kind=str)
        if value is not None:
            values[field_name] = value
    rules = AgreementRules.objects.filter(territory=self.territory).first()
    rules = rules or AgreementRules(territory=self.territory)
    self.keys_by_field = {v: k for k, v in AGREEMENT_KEYS.items()}
    self.save("Règles des conventions", rules, values, section, None)


class _Rollback(Exception):
    pass


def load(
    text: str,
    *,
    by=None,
    invite: bool = True,
    dry_run: bool = False,
    progress: Callable[[str], Any] | None = None,
) -> Report:
    """Load a declaration. Raises :class:`DeclarationError` (nothing written) on any problem."""
    data = parse(text)
    loader = Loader(text, data, by=by, invite=invite, progress=progress)
    try:
        with transaction.atomic():
            report = loader.run()
            if loader.problems:
                raise _Rollback
            if dry_run:
                raise _Rollback
    except _Rollback:
        if loader.problems:
            raise DeclarationError(sorted(loader.problems, key=lambda p: p[0] or 0)) from None
    return report
