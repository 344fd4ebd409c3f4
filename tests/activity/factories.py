"""Factories for activity records (CRA) and API tokens.

``ActivityRecordFactory()`` is an individual record at the adviser's venue with one
participant and the thématique « aide aux démarches administratives »;
``ActivityRecordFactory(collective=True)`` is a workshop with anonymous participants.
Pass ``thematiques=[...]``, ``materiels=[...]``, ``demarches=[...]`` and
``participants=[{"genre": ..., "birth_year": ...}, ...]`` to choose the child rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.conf import settings
from factory.django import DjangoModelFactory

from cadran.accounts.models import ApiToken
from cadran.activity.enums import TypeActivite, TypeLieu, tranche_age_for
from cadran.activity.lacoop.models import ImportedActivity, LaCoopConnection, LaCoopKind
from cadran.activity.models import (
    ActivityDemarche,
    ActivityMateriel,
    ActivityParticipant,
    ActivityRecord,
    ActivityThematique,
)
from cadran.core.clock import PARIS
from cadran.core.tokens import hash_token
from tests.factories import UserFactory, VenueFactory

# The tests' "now" (tests/conftest.py NOW): Friday 27 November 2026, 10:00 in Paris.
RECORDED_AT = dt.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


class ActivityRecordFactory(DjangoModelFactory):
    class Meta:
        model = ActivityRecord
        skip_postgeneration_save = True

    adviser = factory.SubFactory(UserFactory)
    territory = factory.SelfAttribute("adviser.territory")
    kind = TypeActivite.INDIVIDUEL
    date = dt.date(2026, 11, 25)
    duration_minutes = 60
    place_type = TypeLieu.LIEU_ACTIVITE
    venue = factory.SubFactory(
        VenueFactory, commune__territory=factory.SelfAttribute("...territory")
    )
    commune = factory.LazyAttribute(lambda o: o.venue.commune if o.venue else None)
    place_insee = factory.LazyAttribute(lambda o: o.venue.commune.insee_code if o.venue else "")
    autonomie = "partiellement_autonome"
    oriented = False
    created_at = RECORDED_AT
    updated_at = factory.SelfAttribute("created_at")
    locked_at = factory.LazyAttribute(
        lambda o: o.created_at + dt.timedelta(days=settings.CADRAN_ACTIVITY_EDIT_DAYS)
    )

    class Params:
        collective = factory.Trait(
            kind=TypeActivite.COLLECTIF,
            autonomie="",
            oriented=None,
            level="debutant",
            title="Découvrir la tablette",
            duration_minutes=120,
            anon_total=3,
            anon_genre_feminin=2,
            anon_genre_masculin=1,
            anon_age_soixante_dix_plus=3,
            anon_statut_retraite=3,
        )
        remote = factory.Trait(
            place_type=TypeLieu.A_DISTANCE, venue=None, place_insee="59212", commune=None
        )

    @factory.post_generation
    def thematiques(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ["aide_aux_demarches_administratives"]:
                ActivityThematique.objects.create(record=self, thematique=code)

    @factory.post_generation
    def materiels(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ["ordinateur"]:
                ActivityMateriel.objects.create(record=self, materiel=code)

    @factory.post_generation
    def demarches(self, create, extracted, **kwargs):
        if create:
            for code in extracted or []:
                ActivityDemarche.objects.create(record=self, thematique=code)

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        """A list of dicts (profile fields); default: one unknown person if individual."""
        if not create:
            return
        profiles = extracted
        if profiles is None:
            profiles = [{}] if self.kind == TypeActivite.INDIVIDUEL else []
        for profile in profiles:
            data = {"first_visit": False, **profile}
            data.setdefault("tranche_age", tranche_age_for(data.get("birth_year"), self.date.year))
            ActivityParticipant.objects.create(record=self, **data)


class ApiTokenFactory(DjangoModelFactory):
    """``ApiTokenFactory(user=u, token="secret")``: the clear ``token`` is only hashed."""

    class Meta:
        model = ApiToken
        exclude = ["token"]

    user = factory.SubFactory(UserFactory)
    name = "Tableur de suivi"
    token = factory.Sequence(lambda n: f"jeton-de-test-{n:04d}-abcdefghijklmnop")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    prefix = factory.LazyAttribute(lambda o: o.token[:8])


class LaCoopConnectionFactory(DjangoModelFactory):
    """A territory's connection to La Coop (``base_url`` of a stand-in server in tests)."""

    class Meta:
        model = LaCoopConnection

    territory = factory.SubFactory("tests.factories.TerritoryFactory")
    base_url = "http://127.0.0.1:9/api/v1"
    client_id = "cadran-ccfl"
    client_secret = "secret-de-test-0123456789"


class ImportedActivityFactory(DjangoModelFactory):
    """An activity read from La Coop, matched to ``adviser`` (an individual help of 60 min,
    at the adviser's first commune by default)."""

    class Meta:
        model = ImportedActivity

    adviser = factory.SubFactory(UserFactory)
    territory = factory.SelfAttribute("adviser.territory")
    external_id = factory.LazyFunction(uuid.uuid4)
    mediateur_id = factory.LazyFunction(uuid.uuid4)
    kind = LaCoopKind.INDIVIDUEL
    date = dt.date(2026, 11, 25)
    duration_minutes = 60
    accompaniments = 1
    place_type = TypeLieu.DOMICILE
    place_insee = factory.LazyAttribute(lambda o: o.commune.insee_code if o.commune else "")
    commune = None
    thematiques = factory.LazyFunction(lambda: ["email"])
    created_in_lacoop_at = RECORDED_AT
    modified_at = RECORDED_AT
