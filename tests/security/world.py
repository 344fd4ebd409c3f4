"""One object of each kind in territory A (the CCFL, commune of Estaires), and a territory
B with its own Service Culture: the fixture of the authorization matrix and the fuzzing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from cadran.agreements import services as agreement_services
from cadran.agreements.models import AgreementRules, Amendment
from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token, new_token
from cadran.scheduling.slots import make_slot_id
from cadran.territory.models import VenueChange
from tests import factories as f
from tests.activity.factories import (
    ActivityRecordFactory,
    ApiTokenFactory,
    ImportedActivityFactory,
    LaCoopConnectionFactory,
)
from tests.equipment.factories import EquipmentFactory, LoanFactory
from tests.notifications.factories import MessageFactory
from tests.workshops.factories import (
    InterventionRequestFactory,
    RegistrationFactory,
    ReviewStepFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
    WorkshopSettingsFactory,
)

# Strings that belong to territory A only: none may reach a user of territory B.
PERSON_MARKER = "Zorglubienne"  # an inhabitant's last name (personal data)
REGISTRANT_MARKER = "Quetzalcoatline"  # a workshop registrant's last name
COMMUNE_MARKER = "Estaires-Sur-Marqueur"  # territory A's commune
API_TOKEN = "jeton-de-test-securite-0123456789abcdef"  # noqa: S105 — test data
ROLES = ["culture", "coordinator", "adviser", "referent", "librarian", "culture_b", "anonymous"]


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    w = World()
    territory = f.TerritoryFactory(slug="ccfl")
    commune = f.CommuneFactory(
        territory=territory,
        insee_code="59212",
        name=COMMUNE_MARKER,
        slug="estaires",
        postcode="59940",
    )
    library = f.LibraryFactory(commune=commune)
    culture = f.UserFactory(culture_service=True, territory=territory)
    coordinator = f.UserFactory(coordinator=True, territory=territory)
    adviser = f.UserFactory(adviser=True, territory=territory, communes=[commune])
    referent = f.UserFactory(referent=True, territory=territory, communes=[commune])
    librarian = f.UserFactory(librarian=True, territory=territory, library=library)

    territory_b = f.TerritoryFactory(slug="autre", name="Autre intercommunalité")
    commune_b = f.CommuneFactory(territory=territory_b, insee_code="62001", name="Ailleurs")
    culture_b = f.UserFactory(culture_service=True, territory=territory_b)
    f.PermanenceFactory(commune=commune_b)
    w.users = {
        "culture": culture,
        "coordinator": coordinator,
        "adviser": adviser,
        "referent": referent,
        "librarian": librarian,
        "culture_b": culture_b,
    }

    permanence = f.PermanenceFactory(commune=commune, adviser=adviser)
    appointment_token = new_token()
    appointment = f.AppointmentFactory(
        permanence=permanence,
        token_hash=hash_token(appointment_token),
        beneficiary__last_name=PERSON_MARKER,
        start=dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS),
    )
    closure = f.ClosureFactory(territory=territory, reason="Inventaire")
    message = MessageFactory(territory=territory, beneficiary=appointment.beneficiary)

    fmt = WorkshopFormatFactory(territory=territory)
    review_step = ReviewStepFactory(territory=territory, position=1, name="Proposition")
    ReviewStepFactory(territory=territory, position=2, name="Validation")
    workshop_settings = WorkshopSettingsFactory(territory=territory, default_min_attendance=4)
    workshop = WorkshopFactory(territory=territory, format=fmt)
    venue = f.VenueFactory(commune=commune, name="Médiathèque")
    session = SessionFactory(workshop=workshop, venue=venue, advisers=[adviser])
    registration_token = new_token()
    registration = RegistrationFactory(
        session=session, last_name=REGISTRANT_MARKER, token_hash=hash_token(registration_token)
    )
    request = InterventionRequestFactory(workshop=workshop, library=library, requested_by=librarian)

    equipment = EquipmentFactory(territory=territory)
    loan = LoanFactory(equipment=equipment, commune=commune, library=library)

    new_venue = f.VenueFactory(commune=commune, name="Salle des fêtes")
    venue_change = VenueChange.objects.create(
        commune=commune,
        old_venue=permanence.venue,
        new_venue=new_venue,
        effective_date=dt.date(2026, 12, 15),
        declared_by=referent,
    )
    record = ActivityRecordFactory(adviser=adviser, venue=permanence.venue)
    lacoop_connection = LaCoopConnectionFactory(territory=territory)
    imported_activity = ImportedActivityFactory(adviser=adviser, commune=commune)

    agreement = agreement_services.create_agreement(
        commune=commune,
        by=culture,
        commune_signatory_name="Bruno FICHEUX",
        start_date=dt.date(2024, 9, 1),
        cap_date=dt.date(2027, 8, 31),
        permanence=permanence,
        advisers=[adviser],
    )
    amendment = Amendment.objects.create(
        agreement=agreement,
        number=1,
        adopted_on=dt.date(2026, 10, 1),
        title="Horaires",
        text="Nouveaux horaires.",
        template=agreement.template,
        created_by=culture,
    )
    agreement_rules = AgreementRules.objects.create(territory=territory)
    api_token = ApiTokenFactory(user=culture, token=API_TOKEN)
    group = Group.objects.create(name="Groupe A")

    w.objects.update(
        territory=territory,
        commune=commune,
        library=library,
        permanence=permanence,
        appointment=appointment,
        beneficiary=appointment.beneficiary,
        closure=closure,
        message=message,
        workshop_format=fmt,
        workshop=workshop,
        review_step=review_step,
        workshop_settings=workshop_settings,
        venue=venue,
        session=session,
        registration=registration,
        intervention_request=request,
        equipment=equipment,
        loan=loan,
        venue_change=venue_change,
        activity_record=record,
        lacoop_connection=lacoop_connection,
        imported_activity=imported_activity,
        agreement=agreement,
        agreement_template=agreement.template,
        agreement_rules=agreement_rules,
        obligation=agreement.obligations.order_by("pk").first(),
        transmission=agreement.transmissions.order_by("pk").first(),
        amendment=amendment,
        api_token=api_token,
        group=group,
        user=adviser,
        free_slot=make_slot_id(permanence.pk, dt.datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)),
    )
    w.tokens = {"appointment": appointment_token, "registration": registration_token}
    try:  # the adviser's private calendar link (cadran.publicity), when the app is there
        from cadran.publicity.services import create_feed_token
    except ImportError:  # pragma: no cover
        pass
    else:
        row, w.tokens["feed"] = create_feed_token(user=adviser)
        w.objects["feed_token"] = row
    return w
