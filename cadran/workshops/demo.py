"""Demo data for the workshops of the demo territory (the CCFL): its review circuit
(Service Culture → COTECH Esperluette → Commission Culture), its minimum of 4, the three
formats of its convention, a small programme, a few sessions in the Estaires and Merville
libraries in the coming weeks, some registrations. Other territories get none of this: their
circuit, minimum and formats are their own data (docs/decisions/0011).

Called by ``manage.py seed_demo`` after the territory, its staff and venues exist:
``load_demo_workshops(territory)``. Running it again changes nothing. Rows are written
directly (like the demo appointments): no message is queued for the demo people. The
last months' sessions (held, one cancelled under the minimum) go through the decision and
the roll call of the services: see ``_past_sessions``; so does the library's off-site
request for a stand at the market (request, examination, acceptance with its own place):
see ``_off_site_market``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core import clock
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.territory.models import Library, Territory, Venue

from .circuit import min_attendance_for
from .enums import (
    EligibilityBasis,
    FormatKind,
    Level,
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    TargetPublic,
    WorkshopStatus,
)
from .models import (
    DEFAULT_DECISION_HOURS,
    InterventionRequest,
    Registration,
    ReviewStep,
    Session,
    Workshop,
    WorkshopFormat,
    WorkshopReview,
    WorkshopSettings,
)

# The CCFL's circuit and minimum (its convention, art. 3.2: « jauge minimale de 4 »).
CIRCUIT = ["Service Culture", "COTECH Esperluette", "Commission Culture"]
MIN_ATTENDANCE = 4

FORMATS = [
    # name, kind, minutes, capacity, level, projector, screen, pc
    (
        "Événement ou animation « coup de poing »",
        FormatKind.EVENT,
        120,
        20,
        Level.DEBUTANT,
        True,
        True,
        False,
    ),
    (
        "Cours collectif d'initiation à l'informatique",
        FormatKind.BEGINNER_COURSE,
        120,
        8,
        Level.DEBUTANT,
        True,
        False,
        True,
    ),
    ("Séance imprimante 3D", FormatKind.PRINTER_3D, 120, 6, Level.INTERMEDIAIRE, True, False, True),
]

PEOPLE = [
    ("Jeannine", "Lemaire", "0612340001", "", "59212"),
    ("Robert", "Vanhoutte", "0612340002", "", "59212"),
    ("Monique", "Desmet", "", "monique.desmet@example.org", "59400"),
    ("Ali", "Haddad", "0612340004", "", "59400"),
    ("Simone", "Carpentier", "0612340005", "", "59268"),
    ("Bernard", "Leroy", "", "bernard.leroy@example.org", ""),
]


def _next_weekday(day: dt.date, weekday: int, *, at_least_days: int) -> dt.date:
    start = day + dt.timedelta(days=at_least_days)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.PARIS)


def _library_venue(library: Library) -> Venue:
    venue = Venue.objects.filter(library=library).first()
    if venue is not None:
        return venue
    return Venue.objects.create(
        commune=library.commune,
        library=library,
        name=library.name,
        address=library.address or f"{library.commune.postcode} {library.commune.name}",
        room="Salle d'animation",
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


def _review(workshop, culture, steps) -> None:
    previous = WorkshopStatus.DRAFT
    for to, position, meeting, remarks in steps:
        WorkshopReview.objects.create(
            workshop=workshop,
            from_status=previous,
            to_status=to,
            step_name=CIRCUIT[position - 1] if position else workshop.territory.service_name,
            step_position=position,
            meeting_date=meeting,
            remarks=remarks,
            by=culture,
        )
        previous = to


def load_demo_circuit(territory: Territory) -> None:
    """The CCFL's circuit and minimum, unless the territory already has its own."""
    if not ReviewStep.objects.filter(territory=territory).exists():
        for position, name in enumerate(CIRCUIT, start=1):
            ReviewStep.objects.create(territory=territory, position=position, name=name)
    WorkshopSettings.objects.get_or_create(
        territory=territory, defaults={"default_min_attendance": MIN_ATTENDANCE}
    )


def load_demo_workshops(territory: Territory, *, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo programme once; returns what was created (all zeros the second time)."""
    load_demo_circuit(territory)
    if WorkshopFormat.objects.filter(territory=territory).exists():
        return {"formats": 0, "workshops": 0, "sessions": 0, "registrations": 0}
    today = today or clock.today()
    culture = User.objects.filter(territory=territory, role=Role.CULTURE_SERVICE).first()
    adviser = (
        User.objects.filter(
            territory=territory, role=Role.ADVISER, communes__insee_code="59212"
        ).first()
        or User.objects.filter(territory=territory, role=Role.ADVISER).first()
    )
    librarian = User.objects.filter(
        territory=territory, role=Role.LIBRARIAN, library__isnull=False
    ).first()
    libraries = {
        lib.commune.insee_code: lib
        for lib in Library.objects.filter(commune__territory=territory).select_related("commune")
    }

    formats = {}
    for name, kind, minutes, capacity, level, projector, screen, pc in FORMATS:
        formats[kind] = WorkshopFormat.objects.create(
            territory=territory,
            name=name,
            kind=kind,
            default_duration_minutes=minutes,
            default_capacity=capacity,
            level=level,
            needs_projector=projector,
            needs_screen=screen,
            needs_pc=pc,
            needs_3d_printer=kind == FormatKind.PRINTER_3D,
        )

    cotech, commission = dt.date(2024, 6, 13), dt.date(2024, 6, 27)
    published_steps = [
        (WorkshopStatus.PROPOSED, 2, cotech, "Programme de la rentrée 2024."),
        (WorkshopStatus.APPROVED, 3, commission, ""),
        (WorkshopStatus.PUBLISHED, None, None, ""),
    ]

    def workshop(
        title,
        description,
        kind,
        *,
        is_cycle=False,
        status=WorkshopStatus.PUBLISHED,
        public=TargetPublic.ALL,
        steps=None,
        review_position=None,
    ):
        w = Workshop.objects.create(
            territory=territory,
            title=title,
            description=description,
            format=formats[kind],
            target_public=public,
            level=formats[kind].level,
            is_cycle=is_cycle,
            status=status,
            review_position=review_position,
            created_by=culture,
        )
        _review(w, culture, published_steps if steps is None else steps)
        return w

    first_steps = workshop(
        "Premiers pas sur l'ordinateur",
        "Trois séances pour apprivoiser l'ordinateur : allumer, utiliser la souris et le "
        "clavier, ouvrir internet, ranger ses fichiers. Aucune connaissance nécessaire.",
        FormatKind.BEGINNER_COURSE,
        is_cycle=True,
        public=TargetPublic.SENIORS,
    )
    printing = workshop(
        "Découvrir l'impression 3D",
        "Voir comment marche une imprimante 3D, choisir un modèle et lancer sa première "
        "impression, avec le conseiller numérique.",
        FormatKind.PRINTER_3D,
    )
    scams = workshop(
        "Arnaques en ligne : les repérer",
        "Faux SMS, faux colis, faux conseiller bancaire : apprendre à reconnaître les "
        "arnaques et savoir quoi faire. Un moment d'échange ouvert à tous.",
        FormatKind.EVENT,
    )
    workshop(
        "Faire ses démarches sur France Connect",
        "Créer son accès et l'utiliser pour les impôts, la CAF et l'Assurance maladie.",
        FormatKind.BEGINNER_COURSE,
        status=WorkshopStatus.PROPOSED,
        steps=[(WorkshopStatus.PROPOSED, 2, today, "À présenter en Commission.")],
        review_position=3,
    )
    workshop(
        "Retoucher ses photos",
        "Recadrer, éclaircir et partager ses photos depuis son téléphone.",
        FormatKind.EVENT,
        status=WorkshopStatus.DRAFT,
        steps=[],
    )

    estaires = _library_venue(libraries["59212"]) if "59212" in libraries else None
    merville = _library_venue(libraries["59400"]) if "59400" in libraries else None
    venue_a = estaires or merville
    venue_b = merville or estaires
    sessions_created = 0
    registrations_created = 0

    def make_sessions(w, venue, starts, *, request=None, capacity=None):
        nonlocal sessions_created
        fmt = w.format
        minutes = fmt.default_duration_minutes
        created = []
        for start in starts:
            s = Session.objects.create(
                workshop=w,
                venue=venue,
                start=start,
                end=start + dt.timedelta(minutes=minutes),
                capacity=capacity or fmt.default_capacity,
                min_attendance=min_attendance_for(fmt),
                decision_at=starts[0] - dt.timedelta(hours=DEFAULT_DECISION_HOURS),
                request=request,
                created_by=culture,
            )
            if adviser is not None:
                s.advisers.set([adviser])
            created.append(s)
        if len(created) > 1:
            Session.objects.filter(pk__in=[s.pk for s in created]).update(cycle_group=created[0])
        sessions_created += len(created)
        return created[0]

    def register(session, people):
        nonlocal registrations_created
        for first, last, phone, email, insee in people:
            Registration.objects.create(
                session=session,
                first_name=first,
                last_name=last,
                phone=phone,
                email=email,
                eligibility_basis=(
                    EligibilityBasis.RESIDENT if insee else EligibilityBasis.LIBRARY_MEMBER
                ),
                commune_insee=insee,
                library_card="" if insee else "00123456",
                status=RegistrationStatus.CONFIRMED,
                reference=new_reference(),
                token_hash=hash_token(new_token()),
                created_by=adviser,
            )
            registrations_created += 1

    request = None
    if librarian is not None and estaires is not None:
        request = InterventionRequest.objects.create(
            workshop=first_steps,
            library=librarian.library,
            requested_by=librarian,
            wished_dates="Trois samedis matin de suite.",
            room="Salle d'animation",
            expected_public="Retraités du club de l'âge d'or",
            expected_size=8,
            status=RequestStatus.ACCEPTED,
            decided_at=clock.now(),
            decided_by=culture,
        )
        InterventionRequest.objects.create(
            workshop=scams,
            library=librarian.library,
            requested_by=librarian,
            wished_dates="Un mardi après-midi, avant les fêtes.",
            room="Salle d'animation",
            expected_public="Tout public",
            expected_size=15,
        )

    if venue_a is not None and venue_b is not None:
        saturday = _next_weekday(today, 5, at_least_days=4)
        cycle = make_sessions(
            first_steps,
            venue_a,
            [_at(saturday + dt.timedelta(weeks=w), 10) for w in range(3)],
            request=request,
        )
        register(cycle, PEOPLE[:5])
        wednesday = _next_weekday(today, 2, at_least_days=4)
        printing_session = make_sessions(printing, venue_b, [_at(wednesday, 14)])
        register(printing_session, PEOPLE[2:5])  # 3 registered: cancelled unless one more comes
        make_sessions(printing, venue_b, [_at(wednesday + dt.timedelta(weeks=3), 14)])
        scams_session = make_sessions(scams, venue_b, [_at(saturday + dt.timedelta(weeks=1), 14)])
        register(scams_session, [PEOPLE[0], PEOPLE[1], PEOPLE[5]])
    if None not in (estaires, librarian, culture, adviser):
        market = _off_site_market(
            today,
            workshop=scams,
            venue=estaires,
            librarian=librarian,
            culture=culture,
            adviser=adviser,
        )
        if market is not None:
            sessions_created += 1
            register(market, [PEOPLE[3], PEOPLE[4]])
    if venue_a is not None and venue_b is not None and adviser is not None:
        past = _past_sessions(
            today,
            first_steps=first_steps,
            printing=printing,
            scams=scams,
            venue_a=venue_a,
            venue_b=venue_b,
            others=[
                _library_venue(lib)
                for insee, lib in sorted(libraries.items())
                if insee not in ("59212", "59400")
            ][:1]
            or [venue_b],
            adviser=adviser,
            culture=culture,
        )
        sessions_created += past["sessions"]
        registrations_created += past["registrations"]
    return {
        "formats": len(formats),
        "workshops": Workshop.objects.filter(territory=territory).count(),
        "sessions": sessions_created,
        "registrations": registrations_created,
    }


# The library's off-site request: a stand at the weekly market (demo data, to check).
MARKET_NAME = "Marché du samedi"
MARKET_ADDRESS = "Grand-Place"
MARKET_REQUEST: dict[str, Any] = {
    "wished_dates": "Un samedi matin, jour de marché.",
    "expected_public": "Les passants du marché, surtout les personnes âgées",
    "expected_size": 20,
    "off_site_place_kind": "market",
    "place_name": MARKET_NAME,
    "place_address": MARKET_ADDRESS,
    "justification": "Aller au-devant des habitants qui ne viennent pas à la médiathèque : "
    "beaucoup reçoivent de faux SMS et n'osent pas en parler.",
}
MARKET_ACCESS = (
    "Stand de la médiathèque, sous la tente bleue près de la mairie (emplacement à confirmer "
    "avec le placier)."
)


def _off_site_market(
    today: dt.date, *, workshop, venue, librarian, culture, adviser
) -> Session | None:
    """An upcoming off-site session, through the real circuit: the librarian's request
    « hors les murs », its examination and its acceptance by the Service Culture with the
    market as the session's own place (``venue``, the library, is its venue of reference).
    The steps are dated a few days back, and their messages to the staff as sent then.
    The first Saturday morning, three to five weeks ahead, when the adviser is free; if
    none is, None and the request stays under examination."""
    from django.core.exceptions import ValidationError

    from cadran.core.models import AuditLog
    from cadran.notifications.enums import MessageStatus
    from cadran.notifications.models import Message

    from .services import OffSitePlace, accept_request, examine_request, request_intervention

    audit_before = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    message_before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    request = request_intervention(
        workshop=workshop,
        library=librarian.library,
        by=librarian,
        off_site=True,
        **MARKET_REQUEST,
    )
    examine_request(request=request, by=culture, remarks="Intéressant : à voir avec le placier.")
    place = OffSitePlace(name=MARKET_NAME, address=MARKET_ADDRESS, access=MARKET_ACCESS)
    session = None
    for weeks in (3, 4, 5):
        start = _at(_next_weekday(today, 5, at_least_days=4) + dt.timedelta(weeks=weeks), 9)
        try:
            [session] = accept_request(
                request=request,
                by=culture,
                venue=venue,
                starts=[start],
                advisers=[adviser],
                remarks="Accepté : un stand au marché, avec le placier de la commune.",
                off_site_place=place,
            )
        except ValidationError:
            continue
        break
    # The journal and the messages of the three steps, dated when they would have been.
    now = clock.now()
    created, examined, decided = (now - dt.timedelta(days=d) for d in (12, 8, 5))
    for action, at in (
        ("request.created", created),
        ("request.examined", examined),
        ("request.accepted", decided),
        ("session.scheduled", decided),
    ):
        AuditLog.objects.filter(pk__gt=audit_before, action=action).update(created_at=at)
    Message.objects.filter(pk__gt=message_before).update(
        created_at=decided, next_attempt_at=decided, sent_at=decided, status=MessageStatus.SENT
    )
    InterventionRequest.objects.filter(pk=request.pk).update(
        created_at=created,
        examined_at=examined,
        decided_at=decided if session is not None else None,
    )
    return session


# Invented people of the past sessions: (first name, surname, commune INSEE or "" for a
# library card).
PAST_PEOPLE = [
    ("Gisèle", "Vermeersch", "59212"), ("Raymond", "Dufossé", "59212"),
    ("Liliane", "Catteau", "59268"), ("Hervé", "Deroo", "59400"), ("Mauricette", "Lenfant", "59400"),
    ("Jacqueline", "Bruneel", "59212"), ("Yves", "Planckeel", "62502"), ("Solange", "Hautcoeur", ""),
    ("Fernand", "Ducrocq", "59293"), ("Arlette", "Sockeel", "62491"), ("Danielle", "Vroman", "59212"),
    ("Claude", "Verschelde", "59400"), ("Rose", "Delbecque", "62736"), ("Émile", "Provo", ""),
]  # fmt: skip


def _past_sessions(
    today: dt.date, *, first_steps, printing, scams, venue_a, venue_b, others, adviser, culture
) -> dict[str, int]:
    """Sessions of the last months, through the real flow where it has a service: the
    decision at its time (``decide_session``: confirmed, or cancelled under the minimum)
    and the roll call (``record_attendance``). The journal lines and the messages they
    wrote are dated when they would have been (the messages as sent then)."""
    from cadran.core.models import AuditLog
    from cadran.notifications.enums import MessageStatus
    from cadran.notifications.models import Message

    from .services import decide_session, record_attendance

    rng = random.Random(11)
    people = iter(PAST_PEOPLE * 4)
    sessions, registrations = 0, 0

    def saturday(weeks_ago: int) -> dt.date:
        day = today - dt.timedelta(weeks=weeks_ago)
        return day - dt.timedelta(days=(day.weekday() - 5) % 7)

    def backdate(since_audit: int, since_message: int, at: dt.datetime) -> None:
        AuditLog.objects.filter(pk__gt=since_audit).update(created_at=at)
        Message.objects.filter(pk__gt=since_message).update(
            created_at=at, next_attempt_at=at, sent_at=at, status=MessageStatus.SENT
        )

    def last_ids() -> tuple[int, int]:
        audit = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return audit, message

    def held(workshop, venue, days, *, registered, came, anonymous=0):
        nonlocal sessions, registrations
        fmt = workshop.format
        starts = [_at(day, 10) for day in days]
        decision_at = starts[0] - dt.timedelta(hours=DEFAULT_DECISION_HOURS)
        created = []
        for start in starts:
            session = Session.objects.create(
                workshop=workshop,
                venue=venue,
                start=start,
                end=start + dt.timedelta(minutes=fmt.default_duration_minutes),
                capacity=fmt.default_capacity,
                min_attendance=min_attendance_for(fmt),
                decision_at=decision_at,
                created_by=culture,
            )
            session.advisers.set([adviser])
            created.append(session)
        first = created[0]
        if len(created) > 1:
            Session.objects.filter(pk__in=[s.pk for s in created]).update(cycle_group=first)
            for session in created:
                session.refresh_from_db()
        sessions += len(created)
        rows = []
        for _ in range(registered):
            given, last, insee = next(people)
            rows.append(
                Registration.objects.create(
                    session=first,
                    first_name=given,
                    last_name=last,
                    phone=f"06 39 98 9{rng.randint(0, 9)} {rng.randint(0, 99):02d}",
                    eligibility_basis=(
                        EligibilityBasis.RESIDENT if insee else EligibilityBasis.LIBRARY_MEMBER
                    ),
                    commune_insee=insee,
                    library_card="" if insee else f"0012{rng.randint(0, 9999):04d}",
                    status=RegistrationStatus.CONFIRMED,
                    reference=new_reference(),
                    token_hash=hash_token(new_token()),
                    created_by=adviser,
                    created_at=decision_at - dt.timedelta(days=rng.randint(2, 20)),
                )
            )
        registrations += len(rows)
        ids = last_ids()
        decide_session(session=first, now=decision_at)
        backdate(*ids, decision_at)
        first.refresh_from_db()
        if first.status == SessionStatus.CANCELLED_LOW_ATTENDANCE:
            return
        for session in created:
            holding = first.registrations.holding_place().order_by("pk")
            present = [pk for pk in holding.values_list("pk", flat=True) if rng.random() < came]
            ids = last_ids()
            record_attendance(
                session=session, present_ids=present, by=adviser, anonymous_count=anonymous
            )
            backdate(*ids, session.end)
            session.attendances.update(recorded_at=session.end)

    # A whole cycle at Estaires five months ago.
    held(
        first_steps,
        venue_a,
        [saturday(22 - w) for w in range(3)],
        registered=7,
        came=0.85,
    )
    # The event on scams, twice; the 3D printer once (its loan is in the equipment demo).
    held(scams, venue_b, [saturday(34)], registered=11, came=0.8, anonymous=4)
    held(scams, venue_a, [saturday(12)], registered=9, came=0.9, anonymous=2)
    held(printing, venue_b, [saturday(26)], registered=5, came=1.0)
    # Cancelled under the minimum: two registered for a minimum of four.
    held(scams, others[0], [saturday(8)], registered=2, came=1.0)
    return {"sessions": sessions, "registrations": registrations}
