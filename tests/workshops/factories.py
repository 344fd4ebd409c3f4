"""Factories for the workshops app, with traits (``SessionFactory(confirmed=True)``)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.workshops.enums import (
    EligibilityBasis,
    FormatKind,
    Level,
    RegistrationStatus,
    RequestStatus,
    SessionStatus,
    WorkshopStatus,
)
from cadran.workshops.models import (
    InterventionRequest,
    Registration,
    ReviewStep,
    Session,
    Workshop,
    WorkshopFormat,
    WorkshopSettings,
)
from cadran.workshops.services import PersonData
from tests.factories import LibraryFactory, TerritoryFactory, UserFactory, VenueFactory

# Saturday 5 December 2026, 10:00 in Paris: a week after the tests' "now".
SESSION_START = dt.datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)


class ReviewStepFactory(DjangoModelFactory):
    class Meta:
        model = ReviewStep

    territory = factory.SubFactory(TerritoryFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Étape {n}")


class WorkshopSettingsFactory(DjangoModelFactory):
    class Meta:
        model = WorkshopSettings
        django_get_or_create = ["territory"]

    territory = factory.SubFactory(TerritoryFactory)
    default_min_attendance = 4


class WorkshopFormatFactory(DjangoModelFactory):
    class Meta:
        model = WorkshopFormat

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Format {n}")
    kind = FormatKind.EVENT
    default_duration_minutes = 120
    default_capacity = 12
    min_attendance = 4
    level = Level.DEBUTANT
    needs_wifi = True
    needs_tables_chairs = True

    class Params:
        course = factory.Trait(kind=FormatKind.BEGINNER_COURSE, needs_pc=True, default_capacity=8)
        printer_3d = factory.Trait(
            kind=FormatKind.PRINTER_3D, needs_3d_printer=True, needs_projector=True
        )


class WorkshopFactory(DjangoModelFactory):
    class Meta:
        model = Workshop

    territory = factory.SubFactory(TerritoryFactory)
    title = factory.Sequence(lambda n: f"Atelier {n}")
    description = "Un atelier pour apprendre ensemble."
    format = factory.SubFactory(
        WorkshopFormatFactory, territory=factory.SelfAttribute("..territory")
    )
    level = Level.DEBUTANT
    status = WorkshopStatus.PUBLISHED

    class Params:
        draft = factory.Trait(status=WorkshopStatus.DRAFT)
        # Proposed, waiting for the last step of its circuit (a position beyond the circuit
        # is its last step).
        proposed = factory.Trait(status=WorkshopStatus.PROPOSED, review_position=99)
        approved = factory.Trait(status=WorkshopStatus.APPROVED)
        cycle = factory.Trait(is_cycle=True)


class InterventionRequestFactory(DjangoModelFactory):
    class Meta:
        model = InterventionRequest

    workshop = factory.SubFactory(WorkshopFactory)
    library = factory.SubFactory(
        LibraryFactory, commune__territory=factory.SelfAttribute("...workshop.territory")
    )
    requested_by = factory.SubFactory(
        UserFactory,
        librarian=True,
        territory=factory.SelfAttribute("..workshop.territory"),
        library=factory.SelfAttribute("..library"),
    )
    wished_dates = "Un samedi matin de décembre."
    room = "Salle d'animation"
    expected_public = "Tout public"
    expected_size = 10
    status = RequestStatus.REQUESTED

    class Params:
        off_site_market = factory.Trait(
            off_site=True,
            off_site_place_kind="market",
            place_name="Marché du samedi",
            place_address="Grand-Place",
            justification="Toucher les personnes qui ne viennent pas à la médiathèque.",
        )
        under_examination = factory.Trait(status=RequestStatus.UNDER_EXAMINATION)


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    workshop = factory.SubFactory(WorkshopFactory)
    venue = factory.SubFactory(
        VenueFactory, commune__territory=factory.SelfAttribute("...workshop.territory")
    )
    start = SESSION_START
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=2))
    capacity = 12
    min_attendance = 4
    decision_at = factory.LazyAttribute(lambda o: o.start - dt.timedelta(hours=48))
    status = SessionStatus.SCHEDULED

    @factory.post_generation
    def advisers(self, create, extracted, **kwargs):
        if create and extracted:
            self.advisers.set(extracted)

    class Params:
        confirmed = factory.Trait(status=SessionStatus.CONFIRMED)
        cancelled = factory.Trait(status=SessionStatus.CANCELLED_BY_SERVICE)
        held = factory.Trait(status=SessionStatus.HELD)
        off_site = factory.Trait(
            off_site_name="Marché hebdomadaire",
            off_site_address="Place du Marché",
            off_site_access="Stand sous la halle, à côté de la fontaine.",
        )


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    phone = ""
    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    notify_sms = False
    eligibility_basis = EligibilityBasis.RESIDENT
    commune_insee = "59212"
    status = RegistrationStatus.CONFIRMED
    reference = factory.LazyFunction(lambda: new_reference(8))
    token_hash = factory.LazyFunction(lambda: hash_token(new_token()))

    class Params:
        waiting = factory.Trait(status=RegistrationStatus.WAITING)
        cancelled = factory.Trait(status=RegistrationStatus.CANCELLED)
        sms_only = factory.Trait(
            email="", notify_sms=True, phone=factory.Sequence(lambda n: f"07{n:08d}")
        )


def make_person(n: int = 0, **kwargs) -> PersonData:
    """Someone from Estaires (59212) who wants to be told by e-mail."""
    data = {
        "first_name": f"Prénom{n}",
        "last_name": f"Habitant{n}",
        "email": f"habitant{n}@example.org",
        "commune_insee": "59212",
        "notify_sms": False,
    }
    data.update(kwargs)
    return PersonData(**data)
