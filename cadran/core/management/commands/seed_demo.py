"""Load the demo data once: the CCFL, its eight communes, staff, permanences, appointments,
and a year of history dated from today (seen, absent, cancelled, records, workshops held
and cancelled, loans returned: ``cadran/*/demo.py``).

Running it again changes nothing (what a demo user changed is kept).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.activity.demo import DEMO_API_TOKEN, load_demo_activity
from cadran.agreements.demo import load_demo_agreements
from cadran.board.demo import load_demo_board
from cadran.core.clock import PARIS, now, today
from cadran.core.french import de
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.equipment.demo import load_demo_equipment
from cadran.publicity.demo import load_demo_charter
from cadran.scheduling.demo import load_demo_history
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import (
    Appointment,
    AppointmentTopic,
    Beneficiary,
    Closure,
    Permanence,
)
from cadran.scheduling.slots import free_slots
from cadran.territory.declaration import load as load_declaration
from cadran.territory.models import Commune, Library, Territory, Venue
from cadran.workshops.demo import load_demo_workshops

DEMO_PASSWORD = "cadran-demo-2026"  # noqa: S105 — demo accounts only, printed in the README
CSV_PATH = Path(__file__).resolve().parents[3] / "territory" / "fixtures" / "territory-ccfl.csv"
SECOND_TERRITORY = CSV_PATH.with_name("territoire-val-fictif.toml")

ACCOUNTS = [
    # email, first, last, role, communes (INSEE), staff admin
    ("culture@cadran.demo", "Catherine", "Willems", Role.CULTURE_SERVICE, [], True),
    ("coordination@cadran.demo", "Claire", "Coordination (exemple)", Role.COORDINATOR, [], True),
    (
        "david.thibaut@cadran.demo",
        "David",
        "Thibaut",
        Role.ADVISER,
        ["59212", "59268", "59400", "59293"],
        False,
    ),
    (
        "conseillere2@cadran.demo",
        "Sophie",
        "Conseillère (exemple)",
        Role.ADVISER,
        ["62338", "62491", "62502", "62736"],
        False,
    ),
    (
        "referent.estaires@cadran.demo",
        "Isabelle",
        "Debray",
        Role.COMMUNE_REFERENT,
        ["59212"],
        False,
    ),
    (
        "referent.merville@cadran.demo",
        "Marc",
        "Référent (exemple)",
        Role.COMMUNE_REFERENT,
        ["59400"],
        False,
    ),
    (
        "bibliotheque.estaires@cadran.demo",
        "Lucie",
        "Bibliothécaire (exemple)",
        Role.LIBRARIAN,
        [],
        False,
    ),
]

# INSEE → (weekday, start, end, adviser email). Estaires is the convention's own.
PERMANENCES = {
    "59212": (2, dt.time(9), dt.time(12), "david.thibaut@cadran.demo"),
    "59268": (1, dt.time(9), dt.time(12), "david.thibaut@cadran.demo"),
    "59400": (3, dt.time(14), dt.time(17), "david.thibaut@cadran.demo"),
    "59293": (4, dt.time(9), dt.time(12), "david.thibaut@cadran.demo"),
    "62338": (0, dt.time(14), dt.time(17), "conseillere2@cadran.demo"),
    "62491": (1, dt.time(14), dt.time(17), "conseillere2@cadran.demo"),
    "62502": (3, dt.time(9), dt.time(12), "conseillere2@cadran.demo"),
    "62736": (4, dt.time(14), dt.time(17), "conseillere2@cadran.demo"),
}

# Where the few people from outside the territory live: Lille, Armentières, Hazebrouck,
# Béthune (real INSEE codes).
OUTSIDE_INSEE = ("59350", "59017", "59295", "62119")

PEOPLE = [
    ("Jeanne", "Lefebvre", "0612345601", "", "aide_aux_demarches_administratives"),
    ("Marcel", "Dubois", "0612345602", "", "sante"),
    ("Yvette", "Delattre", "", "yvette.delattre@example.org", "email"),
    ("Ahmed", "Benali", "0612345604", "", "insertion_professionnelle"),
    ("Paulette", "Vandenbussche", "0612345605", "", "prendre_en_main_du_materiel"),
    ("Gérard", "Lemaire", "0612345606", "", "banque_et_achats_en_ligne"),
]


class Command(BaseCommand):
    help = "Charge les données de démonstration (une seule fois)."

    def handle(self, *args, **options):
        if Territory.objects.filter(slug="ccfl").exists():
            self._follow_the_served_address()
            self.stdout.write("Données de démonstration déjà présentes : rien n'est modifié.")
            return
        with transaction.atomic():
            self._load()
            second = self._load_second_territory()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(f"Second territoire, fictif : {second} (docs/adopter-cadran.md).")
        self.stdout.write(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_ in ACCOUNTS:
            self.stdout.write(f"  {email}")
        self.stdout.write(f"Jeton d'API de démonstration (Service Culture) : {DEMO_API_TOKEN}")

    def _follow_the_served_address(self) -> None:
        """The demo started again on another port: the first territory, which was given the
        demo's address when the second was loaded, follows it (its links and its domain)."""
        site = settings.CADRAN_SITE_URL.rstrip("/")
        for territory in Territory.objects.filter(
            slug="ccfl", site_url__startswith="http://127.0.0.1:"
        ).exclude(site_url=site):
            territory.site_url = site
            territory.save(update_fields=["site_url"])
            self.stdout.write(f"Adresse de la démonstration : {site}")

    def _load_second_territory(self) -> Territory:
        """The fictitious second territory, from its file, by ``load_territory`` itself:
        the demo shows two territories side by side on one install."""
        report = load_declaration(SECOND_TERRITORY.read_text(encoding="utf-8"), invite=False)
        assert report.territory is not None  # the file declares one
        for user in User.objects.filter(territory=report.territory):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return report.territory

    def _load(self) -> None:
        territory = Territory.objects.create(
            name="Communauté de communes Flandre Lys",
            short_name="CCFL",
            slug="ccfl",
            siren="245900758",
            service_name="Service Culture — réseau l'Esperluette",
            programme_name="Conseillers numériques Esperluette",
            contact_phone="03 28 00 00 00",
            contact_email="culture@cadran.demo",
            school_zone="Zone B",
            sms_sender="CCFL",
            email_from_name="Conseillers numériques Esperluette",
        )
        communes: dict[str, Commune] = {}
        with CSV_PATH.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                communes[row["insee_code"]] = Commune.objects.create(
                    territory=territory,
                    insee_code=row["insee_code"],
                    name=row["name"],
                    slug=slugify(row["name"]),
                    postcode=row["postcode"],
                    department=row["department"],
                    population=int(row["population_2022"]),
                )
        users: dict[str, User] = {}
        for email, first, last, role, insees, is_staff in ACCOUNTS:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                role=role,
                territory=territory,
                is_staff=is_staff,
            )
            user.communes.set([communes[i] for i in insees])
            users[email] = user
        libraries = {}
        for insee, commune in communes.items():
            libraries[insee] = Library.objects.create(
                commune=commune,
                name=f"Médiathèque {de(commune)}",
                address=f"Adresse à vérifier, {commune.postcode} {commune.name}",
                is_example=True,
            )
        librarian = users["bibliotheque.estaires@cadran.demo"]
        librarian.library = libraries["59212"]
        librarian.save(update_fields=["library"])

        valid_from = dt.date(2024, 9, 1)
        valid_until = dt.date(2027, 8, 31)
        for insee, (weekday, start, end, adviser_email) in PERMANENCES.items():
            commune = communes[insee]
            if insee == "59212":
                venue = Venue.objects.create(
                    commune=commune,
                    name="Mairie d'Estaires",
                    address="Mairie, 59940 Estaires (adresse exacte à vérifier)",
                    room="Bureau du CCAS",
                    confidential=True,
                    accessible=True,
                    wifi=True,
                    heated=True,
                    insured=True,
                    has_pc=True,
                    has_printer=True,
                )
            else:
                venue = Venue.objects.create(
                    commune=commune,
                    library=libraries[insee],
                    name=f"Médiathèque {de(commune)}",
                    address=f"Adresse à vérifier, {commune.postcode} {commune.name}",
                    room="Espace numérique",
                    confidential=False,
                    accessible=True,
                    wifi=True,
                    heated=True,
                    insured=True,
                    has_pc=True,
                    has_projector=True,
                    has_screen=True,
                    has_tables_chairs=True,
                    is_example=True,
                )
            Permanence.objects.create(
                commune=commune,
                venue=venue,
                adviser=users[adviser_email],
                weekday=weekday,
                start_time=start,
                end_time=end,
                adviser_arrival_time=dt.time(8, 45) if insee == "59212" else None,
                slot_minutes=60,
                valid_from=valid_from,
                valid_until=valid_until,
                online_booking=True,
                is_demo=insee != "59212",
            )
        self._demo_appointments(territory, communes, users)
        load_demo_workshops(territory)
        load_demo_charter(territory)
        load_demo_agreements(territory)
        # After the agreements (which align the permanences' validity), before the records.
        load_demo_history(territory, busiest_insee="59212", outside_insee=OUTSIDE_INSEE)
        load_demo_equipment(territory)
        load_demo_board(territory)
        load_demo_activity(territory)

    def _demo_appointments(self, territory, communes, users) -> None:
        """A few booked appointments at Estaires, and a closure for training."""
        estaires = Permanence.objects.with_related().get(commune=communes["59212"])
        adviser = users["david.thibaut@cadran.demo"]
        start = today()
        Closure.objects.create(
            territory=territory,
            adviser=adviser,
            start=dt.datetime.combine(start + dt.timedelta(days=42), dt.time.min, tzinfo=PARIS),
            end=dt.datetime.combine(start + dt.timedelta(days=43), dt.time.min, tzinfo=PARIS),
            reason="Formation des conseillers (exemple)",
            created_by=users["coordination@cadran.demo"],
        )
        slots = free_slots(
            [estaires],
            date_from=start,
            date_to=start + dt.timedelta(days=21),
            now=now(),
            for_staff=True,
        )
        # Every other slot booked, so the demo shows both booked and free slots.
        for slot, person in zip(slots[::2], PEOPLE, strict=False):
            first, last, phone, email, topic = person
            beneficiary = Beneficiary.objects.create(
                territory=territory,
                first_name=first,
                last_name=last,
                phone=phone,
                email=email,
                residence_insee="59212",
            )
            appointment = Appointment.objects.create(
                permanence=estaires,
                start=slot.start,
                end=slot.end,
                beneficiary=beneficiary,
                channel=Channel.PHONE,
                status=AppointmentStatus.BOOKED,
                reference=new_reference(),
                token_hash=hash_token(new_token()),
                created_by=adviser,
            )
            AppointmentTopic.objects.create(appointment=appointment, thematique=topic)
