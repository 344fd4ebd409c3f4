"""factory_boy factories for every model; traits for the common variants."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.core.french import de
from cadran.core.tokens import hash_token, new_reference, new_token
from cadran.scheduling.enums import AppointmentStatus, Channel
from cadran.scheduling.models import (
    Appointment,
    AppointmentTopic,
    Beneficiary,
    Closure,
    Permanence,
)
from cadran.territory.models import Commune, Library, Territory, Venue

PASSWORD = "un-mot-de-passe-solide"


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ["slug"]

    name = "Communauté de communes Flandre Lys"
    short_name = "CCFL"
    slug = factory.Sequence(lambda n: f"territoire-{n}")
    contact_phone = "03 28 00 00 00"
    contact_email = "culture@example.org"


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune

    territory = factory.SubFactory(TerritoryFactory)
    # Outside the Nord (59) codes that tests and the demo give by hand (Estaires is 59212).
    insee_code = factory.Sequence(lambda n: f"{62000 + n:05d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    postcode = "59940"
    department = "59"
    population = 5000


class LibraryFactory(DjangoModelFactory):
    class Meta:
        model = Library

    commune = factory.SubFactory(CommuneFactory)
    name = factory.LazyAttribute(lambda o: f"Médiathèque {de(o.commune)}")
    address = "1 place de la Mairie"


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    commune = factory.SubFactory(CommuneFactory)
    name = factory.LazyAttribute(lambda o: f"Mairie de {o.commune.name}")
    address = "Place du Général de Gaulle"
    room = "Bureau du CCAS"
    confidential = True
    accessible = True
    wifi = True
    heated = True
    insured = True
    has_tables_chairs = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    role = Role.ADVISER
    territory = factory.SubFactory(TerritoryFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create and extracted:
            self.communes.set(extracted)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()

    class Params:
        culture_service = factory.Trait(role=Role.CULTURE_SERVICE, is_staff=True)
        coordinator = factory.Trait(role=Role.COORDINATOR, is_staff=True)
        adviser = factory.Trait(role=Role.ADVISER)
        referent = factory.Trait(role=Role.COMMUNE_REFERENT)
        librarian = factory.Trait(role=Role.LIBRARIAN)


class PermanenceFactory(DjangoModelFactory):
    """Estaires-like: Wednesday 9h–12h, one-hour slots, from September 2024."""

    class Meta:
        model = Permanence

    commune = factory.SubFactory(CommuneFactory)
    venue = factory.SubFactory(VenueFactory, commune=factory.SelfAttribute("..commune"))
    adviser = factory.SubFactory(
        UserFactory, territory=factory.SelfAttribute("..commune.territory")
    )
    weekday = 2
    start_time = dt.time(9, 0)
    end_time = dt.time(12, 0)
    adviser_arrival_time = dt.time(8, 45)
    slot_minutes = 60
    valid_from = dt.date(2024, 9, 1)
    valid_until = None
    online_booking = True
    min_notice_minutes = 120
    booking_window_days = 92


class ClosureFactory(DjangoModelFactory):
    class Meta:
        model = Closure

    territory = factory.SubFactory(TerritoryFactory)
    start = factory.LazyFunction(lambda: dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(days=1))
    reason = "Formation"


class BeneficiaryFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiary

    territory = factory.SubFactory(TerritoryFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    phone = factory.Sequence(lambda n: f"06{n:08d}")
    email = ""


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment
        skip_postgeneration_save = True  # the topics hook saves rows of its own

    permanence = factory.SubFactory(PermanenceFactory)
    start = factory.LazyFunction(lambda: dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.permanence.slot_minutes))
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, territory=factory.SelfAttribute("..permanence.commune.territory")
    )
    channel = Channel.PHONE
    status = AppointmentStatus.BOOKED
    reference = factory.LazyFunction(lambda: new_reference(8))
    token_hash = factory.LazyFunction(lambda: hash_token(new_token()))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ["aide_aux_demarches_administratives"]:
                AppointmentTopic.objects.create(appointment=self, thematique=code)

    class Params:
        seen = factory.Trait(status=AppointmentStatus.SEEN)
        cancelled = factory.Trait(status=AppointmentStatus.EXCUSED)
