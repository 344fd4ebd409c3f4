"""Demo data for the equipment: two 3D printers, a laptop kit, a projector, and loans in
every state, including the printer for the demo's 3D-printer sessions.

Called by ``manage.py seed_demo`` after the territory, its staff, venues and workshops
exist: ``load_demo_equipment(territory)``. Running it again changes nothing. Rows are
written directly (like the demo appointments): no message is queued.
"""

from __future__ import annotations

import datetime as dt

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core import clock
from cadran.territory.models import Commune, Library, Territory

from .enums import EquipmentKind, LoanStatus, ReturnCondition
from .models import Equipment, Loan

ITEMS = [
    # identifier, kind, name, notes
    ("IMP3D-01", EquipmentKind.PRINTER_3D, "Imprimante 3D n° 1", "Avec 2 bobines de PLA."),
    ("IMP3D-02", EquipmentKind.PRINTER_3D, "Imprimante 3D n° 2", ""),
    ("VALISE-01", EquipmentKind.LAPTOP_KIT, "Valise de 8 ordinateurs portables", ""),
    ("VP-01", EquipmentKind.PROJECTOR, "Vidéoprojecteur portable", "Câble HDMI dans la housse."),
]


def _paris(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.PARIS)


def load_demo_equipment(territory: Territory) -> dict[str, int]:
    if Equipment.objects.filter(territory=territory).exists():
        return {"equipment": 0, "loans": 0}
    today = clock.today()
    items = {
        ident: Equipment.objects.create(
            territory=territory, identifier=ident, kind=kind, name=name, notes=notes
        )
        for ident, kind, name, notes in ITEMS
    }
    culture = User.objects.filter(territory=territory, role=Role.CULTURE_SERVICE).first()
    communes = {c.insee_code: c for c in Commune.objects.filter(territory=territory)}
    loans = 0

    def loan(item, commune, start, end, status, *, library=None, storage="", **extra):
        nonlocal loans
        requested_by = (
            User.objects.filter(role=Role.LIBRARIAN, library=library).first()
            if library
            else User.objects.filter(role=Role.COMMUNE_REFERENT, communes=commune).first()
        ) or culture
        now = clock.now()
        fields = {
            "requested_by": requested_by,
            "requested_at": _paris(start - dt.timedelta(days=10), 9),
        }
        if status != LoanStatus.REQUESTED:
            fields |= {
                "approved_by": culture,
                "approved_at": _paris(start - dt.timedelta(days=8), 9),
            }
        if status in (LoanStatus.COLLECTED, LoanStatus.RETURNED):
            fields |= {"collected_by": culture, "collected_at": _paris(start, 9)}
        if status == LoanStatus.RETURNED:
            fields |= {
                "returned_by": culture,
                "returned_at": min(_paris(end, 17), now),
                "return_condition": ReturnCondition.GOOD,
            }
        Loan.objects.create(
            equipment=item,
            commune=commune,
            library=library,
            start_date=start,
            end_date=end,
            status=status,
            storage_place=storage,
            storage_committed=bool(storage),
            **(fields | extra),
        )
        loans += 1

    # The demo's 3D-printer sessions: the first has its printer, the second only a request
    # (so the warning « séance sans imprimante » shows).
    from cadran.workshops.models import Session

    printer_sessions = list(
        Session.objects.filter(
            workshop__territory=territory,
            workshop__format__needs_3d_printer=True,
            start__gte=clock.now(),
        )
        .select_related("venue__commune", "venue__library")
        .order_by("start")
    )
    for n, session in enumerate(printer_sessions[:2]):
        day = clock.paris(session.start).date()
        venue = session.venue
        loan(
            items["IMP3D-01"],
            venue.commune,
            day - dt.timedelta(days=1),
            day + dt.timedelta(days=1),
            LoanStatus.APPROVED if n == 0 else LoanStatus.REQUESTED,
            library=venue.library,
            storage="Réserve fermée à clé de la médiathèque",
            purpose=f"Séance « {session.workshop.title} »",
        )

    estaires = communes.get("59212")
    la_gorgue = communes.get("59268")
    if estaires is not None:
        # The laptop kit is out at Estaires this week.
        loan(
            items["VALISE-01"],
            estaires,
            today - dt.timedelta(days=2),
            today + dt.timedelta(days=4),
            LoanStatus.COLLECTED,
            purpose="Atelier d'initiation au CCAS",
        )
        # The projector came back last month.
        loan(
            items["VP-01"],
            estaires,
            today - dt.timedelta(days=35),
            today - dt.timedelta(days=33),
            LoanStatus.RETURNED,
            purpose="Réunion publique sur les arnaques",
        )
    if la_gorgue is not None:
        library = Library.objects.filter(commune=la_gorgue).first()
        loan(
            items["IMP3D-02"],
            la_gorgue,
            today - dt.timedelta(days=21),
            today - dt.timedelta(days=14),
            LoanStatus.RETURNED,
            library=library,
            storage="Bureau fermé à clé de la médiathèque",
            purpose="Semaine de la fabrication numérique",
        )
        loan(
            items["VP-01"],
            la_gorgue,
            today + dt.timedelta(days=12),
            today + dt.timedelta(days=12),
            LoanStatus.REQUESTED,
            purpose="Projection au conseil municipal des jeunes",
        )
    # The past year: the printer for each 3D-printer session held, and the laptop kit and
    # the projector lent now and then, all returned.
    held = (
        Session.objects.filter(
            workshop__territory=territory,
            workshop__format__needs_3d_printer=True,
            start__lt=clock.now(),
        )
        .select_related("venue__commune", "venue__library")
        .order_by("start")
    )
    for session in held:
        day = clock.paris(session.start).date()
        loan(
            items["IMP3D-01"],
            session.venue.commune,
            day - dt.timedelta(days=1),
            day + dt.timedelta(days=1),
            LoanStatus.RETURNED,
            library=session.venue.library,
            storage="Réserve fermée à clé de la médiathèque",
            purpose=f"Séance « {session.workshop.title} »",
        )
    past = [
        # item, commune, weeks ago, days, purpose, condition
        ("VALISE-01", "59400", 40, 3, "Initiation au CCAS", ReturnCondition.GOOD),
        ("VP-01", "62491", 30, 1, "Réunion publique sur France Services", ReturnCondition.GOOD),
        ("VALISE-01", "62502", 18, 4, "Semaine du numérique à l'école", ReturnCondition.WORN),
        ("VP-01", "59293", 10, 1, "Projection au club des aînés", ReturnCondition.GOOD),
    ]
    for ident, insee, weeks_ago, days, purpose, condition in past:
        commune = communes.get(insee)
        if commune is None:
            continue
        start = today - dt.timedelta(weeks=weeks_ago)
        loan(
            items[ident],
            commune,
            start,
            start + dt.timedelta(days=days),
            LoanStatus.RETURNED,
            purpose=purpose,
            return_condition=condition,
        )
    return {"equipment": len(items), "loans": loans}
