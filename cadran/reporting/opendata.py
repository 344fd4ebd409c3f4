"""The venues as open data, in the national schema of the « lieux de médiation numérique »
(La MedNum, ANCT: https://schema.data.gouv.fr/LaMednum/standard-mediation-num/).

One row per venue where a permanence is open today or later. Multiple values are joined
with ``|`` (the current reference implementation), ``horaires`` is written in the
OpenStreetMap opening_hours syntax from the permanences, weekly, fortnightly or monthly
(closed on public holidays),
``prise_rdv`` is the public booking page of the commune, phone numbers are in +33 form.
Choices where our data has no answer are listed in docs/rapports.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Prefetch, Q

from cadran.core import clock
from cadran.scheduling.models import Permanence
from cadran.scheduling.recurrence import OSM_DAYS
from cadran.territory import identity
from cadran.territory.models import Venue
from cadran.workshops.models import Session

FILE_NAME = "lieux-de-mediation-numerique.csv"
# In the schema's order (its documentation asks for it; frictionless checks it):
# tests/reporting/fixtures/ holds the official schema the tests validate against.
COLUMNS = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)
REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
SEPARATOR = "|"
# Neither the venue nor its territory has a SIRET or a SIREN: the national cartography
# writes 14 zeros then.
UNKNOWN_PIVOT = "0" * 14
# The columns whose values come from a closed list of the schema (its patterns are strict:
# a typographic apostrophe ’ fails where the list has a straight one ').
ENUMERATED = (
    "typologie",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
)
# Fortnightly hours are written for the ISO years from today to this many days ahead.
FORTNIGHT_HORIZON_DAYS = 2 * 366
SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Utilisation sécurisée du numérique",
    "Compréhension du monde numérique",
)
PROGRAMME = "Conseillers numériques"
SUMMARY = (
    "Un conseiller numérique vous aide gratuitement, sur rendez-vous : utiliser un "
    "ordinateur, une tablette ou un téléphone, faire vos démarches en ligne, vos e-mails."
)


def phone_e164(number: str) -> str:
    """``03 28 00 00 00`` → ``+33328000000``; empty when it is not a French number."""
    digits = re.sub(r"[^\d+]", "", number or "")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return "+33" + digits[1:]
    return ""


def opening_hours(permanences: Iterable[Permanence], *, today: dt.date | None = None) -> str:
    """Permanences in OSM syntax: ``We 09:00-12:00; Fr 14:00-17:00; PH off``.

    A monthly permanence is ``Tu[1] 14:00-17:00`` (``Th[-1]`` the last Thursday); a
    fortnightly one uses ISO week numbers for the years from ``today`` to
    ``FORTNIGHT_HORIZON_DAYS`` ahead (see ``Recurrence.osm_selectors``). Those rules are
    "additional" (``, ``): they never replace a weekly rule of the same day.
    """
    today = today or clock.today()
    horizon = today + dt.timedelta(days=FORTNIGHT_HORIZON_DAYS)
    weekly: dict[int, set[tuple]] = defaultdict(set)
    other: dict[tuple[int, str], set[tuple]] = defaultdict(set)
    for perm in permanences:
        span = (perm.start_time, perm.end_time)
        recurrence = perm.recurrence_rule
        if recurrence.is_weekly:
            weekly[perm.weekday].add(span)
            continue
        for selector in recurrence.osm_selectors(today, horizon):
            other[(perm.weekday, selector)].add(span)

    def spans(found: set[tuple]) -> str:
        return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in sorted(found))

    rules = [("; ", f"{OSM_DAYS[day]} {spans(weekly[day])}") for day in sorted(weekly)]
    rules += [(", ", f"{key[1]} {spans(other[key])}") for key in sorted(other)]
    if not rules:
        return ""
    text = rules[0][1] + "".join(sep + rule for sep, rule in rules[1:])
    return text + "; PH off"


def pivot(venue: Venue) -> str:
    """The venue's SIRET, else its territory's, else its territory's SIREN (the schema takes
    9 to 14 characters), else 14 zeros."""
    territory = venue.commune.territory
    for value in (venue.siret, territory.siret, territory.siren):
        value = re.sub(r"\s", "", value or "")
        if re.fullmatch(r"[a-zA-Z0-9]{9,14}", value):
            return value
    return UNKNOWN_PIVOT


def street_address(venue: Venue) -> str:
    """The street part only (the schema has ``code_postal`` and ``commune`` apart)."""
    return venue.street_address


def coordinate(value) -> str:
    """A WGS84 coordinate as the schema's number (a dot, no trailing zeros); "" if unset."""
    if value is None:
        return ""
    text = f"{value:f}".rstrip("0").rstrip(".")
    return text or "0"


def straight_apostrophes(row: dict[str, str]) -> dict[str, str]:
    for column in ENUMERATED:
        row[column] = row[column].replace("\u2019", "'")
    return row


def _typologie(venue: Venue) -> str:
    text = f"{venue.name} {venue.room}".lower()
    if venue.library_id or "médiathèque" in text or "bibliothèque" in text:
        return "BIB"
    if "ccas" in text:
        return "CCAS"
    if "mairie" in text:
        return "MUNI"
    return ""


def venue_rows() -> list[dict[str, str]]:
    """One dict per published venue, in three queries whatever their number."""
    today = clock.today()
    open_permanences = Permanence.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    ).order_by("weekday", "start_time")
    venues = (
        Venue.objects.filter(Exists(open_permanences.filter(venue_id=OuterRef("pk"))))
        .select_related("commune__territory")
        .annotate(
            # Off-site sessions (« hors les murs ») are not held at their venue.
            has_sessions=Exists(
                Session.objects.live().filter(venue_id=OuterRef("pk"), off_site_name="")
            )
        )
        .prefetch_related(Prefetch("permanences", queryset=open_permanences, to_attr="open"))
        .order_by("commune__name", "name", "pk")
    )
    rows = []
    for venue in venues:
        commune, territory = venue.commune, venue.commune.territory
        site_of = identity.for_id(territory.pk)  # its domain, or its prefix (no query)
        site = site_of.site_url
        online = any(p.online_booking for p in venue.open)
        access = ["Prendre un RDV en ligne"] if online else []
        if territory.contact_phone:
            access.append("Téléphoner")
        if territory.contact_email:
            access.append("Contacter par mail")
        modes = ["Accompagnement individuel"]
        if venue.has_sessions:
            modes.append("Dans un atelier collectif")
        row = straight_apostrophes(
            {
                "id": f"cadran-{territory.slug}-lieu-{venue.pk}",
                "pivot": pivot(venue),
                "nom": venue.name,
                "commune": commune.name,
                "code_postal": commune.postcode,
                "code_insee": commune.insee_code,
                "adresse": street_address(venue),
                "complement_adresse": venue.room,
                "latitude": coordinate(venue.latitude),
                "longitude": coordinate(venue.longitude),
                "typologie": _typologie(venue),
                "telephone": phone_e164(territory.contact_phone),
                "courriels": territory.contact_email,
                "site_web": site,
                "horaires": opening_hours(venue.open, today=today),
                "presentation_resume": SUMMARY,
                "presentation_detail": "",
                "source": territory.short_name or territory.name,
                "structure_parente": territory.name,
                "itinerance": "Itinérant",
                "services": SEPARATOR.join(SERVICES),
                "publics_specifiquement_adresses": "",
                "prise_en_charge_specifique": "",
                "frais_a_charge": "Gratuit",
                "modalites_acces": SEPARATOR.join(access),
                "modalites_accompagnement": SEPARATOR.join(modes),
                "dispositif_programmes_nationaux": PROGRAMME,
                "formations_labels": "",
                "autres_formations_labels": "",
                "fiche_acces_libre": "",
                "prise_rdv": (
                    site_of.reverse("public:commune", slug=commune.slug) if online else ""
                ),
                "date_maj": today.isoformat(),
            }
        )
        rows.append({column: row[column] for column in COLUMNS})
    return rows


def venues_csv() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(venue_rows())
    return buffer.getvalue()
