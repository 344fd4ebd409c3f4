"""Each territory its own review circuit and minimum, from its data (docs/decisions/0011):
a second territory with « Proposition » → « Bureau communautaire » and a minimum of 6 next
to the CCFL (Service Culture → COTECH Esperluette → Commission Culture, minimum 4)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.core.clock import PARIS
from cadran.workshops import services
from cadran.workshops.circuit import DEFAULT_STEP_NAMES, circuit_for, default_min_attendance
from cadran.workshops.enums import SessionStatus, WorkshopStatus
from cadran.workshops.models import FALLBACK_MIN_ATTENDANCE, ReviewStep
from tests import factories as f

from .factories import (
    ReviewStepFactory,
    SessionFactory,
    WorkshopFactory,
    WorkshopFormatFactory,
    WorkshopSettingsFactory,
    make_person,
)

pytestmark = pytest.mark.usefixtures("frozen_now")

# Words of the CCFL's circuit and identity that no other territory's page may show.
CCFL_WORDS = ("COTECH", "Esperluette", "Commission Culture", "Flandre", "CCFL")
SAT = dt.datetime(2026, 12, 12, 10, 0, tzinfo=PARIS)  # two weeks after the tests' "now"


def text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return html.unescape(response.content.decode())


@pytest.fixture
def val(db):
    territory = f.TerritoryFactory(
        slug="val-fictif",
        name="Communauté de communes du Val Fictif",
        short_name="CCVF",
        service_name="Service Numérique",
        programme_name="Numérique en Val",
    )
    ReviewStepFactory(territory=territory, position=10, name="Proposition")
    ReviewStepFactory(territory=territory, position=20, name="Bureau communautaire")
    WorkshopSettingsFactory(territory=territory, default_min_attendance=6)
    return territory


@pytest.fixture
def val_commune(val):
    return f.CommuneFactory(territory=val, insee_code="70001", name="Fictiville", slug="fictiville")


@pytest.fixture
def val_culture(val):
    return f.UserFactory(culture_service=True, territory=val)


@pytest.fixture
def val_adviser(val, val_commune):
    return f.UserFactory(adviser=True, territory=val, communes=[val_commune])


@pytest.fixture
def val_venue(val_commune):
    return f.VenueFactory(
        commune=val_commune, name="Maison des services", confidential=False, has_projector=True
    )


@pytest.fixture
def val_format(val):
    # No minimum of its own: the territory's (6) applies.
    return WorkshopFormatFactory(territory=val, name="Atelier découverte", min_attendance=None)


# --- The circuit ---------------------------------------------------------------------------


def test_each_territory_reads_its_own_circuit(territory, ccfl_circuit, val):
    assert circuit_for(territory.pk).names == list(ccfl_circuit)
    assert circuit_for(val.pk).names == ["Proposition", "Bureau communautaire"]
    assert not circuit_for(val.pk).is_default


def test_a_territory_without_steps_gets_the_neutral_circuit(db):
    bare = f.TerritoryFactory(slug="sans-circuit")
    assert circuit_for(bare.pk).names == list(DEFAULT_STEP_NAMES) == ["Proposition", "Validation"]
    ReviewStepFactory(territory=bare, position=1, name="Une seule étape")
    assert circuit_for(bare.pk).is_default  # one step is not a circuit
    assert default_min_attendance(bare.pk) == FALLBACK_MIN_ATTENDANCE == 0


def test_the_second_territory_goes_through_its_two_steps(client, val, val_culture, val_format):
    workshop = WorkshopFactory(territory=val, format=val_format, draft=True)
    client.force_login(val_culture)
    detail = reverse("workshops:workshop_detail", kwargs={"pk": workshop.pk})

    def step(name, data):
        response = client.post(
            reverse("workshops:workshop_step", kwargs={"pk": workshop.pk, "step": name}), data
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        workshop.refresh_from_db()

    pages = [text(client.get(detail)), text(client.get(reverse("workshops:programme")))]
    assert "Proposer l'atelier : Bureau communautaire" in pages[0]
    assert "« Proposition » → « Bureau communautaire »" in pages[1]
    new_page = text(client.get(reverse("workshops:workshop_new")))
    assert "Vous le proposerez ensuite : Bureau communautaire." in new_page
    pages.append(new_page)

    step("proposer", {"propose-meeting_date": "2026-11-16", "propose-remarks": "À l'ordre du jour"})
    assert workshop.status == WorkshopStatus.PROPOSED
    page = text(client.get(detail))
    assert "Proposé — prochaine étape : Bureau communautaire" in page
    assert "Décision : Bureau communautaire" in page
    assert "Noter l'avis" not in page  # no step in between
    pages += [page, text(client.get(reverse("workshops:programme")))]

    step("valider", {"decision-meeting_date": "2026-11-23", "decision-remarks": "Adopté"})
    assert workshop.status == WorkshopStatus.APPROVED
    step("publier", {"publish-remarks": ""})
    assert workshop.status == WorkshopStatus.PUBLISHED
    page = text(client.get(detail))
    pages.append(page)
    assert list(workshop.reviews.values_list("to_status", "step_name", "step_position")) == [
        ("proposed", "Bureau communautaire", 2),
        ("approved", "Bureau communautaire", 2),
        ("published", "Service Numérique", None),
    ]
    assert "réunion du 23 novembre 2026" in page
    for page in pages:
        for word in CCFL_WORDS:
            assert word not in page


def test_a_refusal_by_the_last_step_then_a_new_proposal(val, val_culture, val_format):
    workshop = WorkshopFactory(territory=val, format=val_format, draft=True)
    services.propose_workshop(workshop=workshop, meeting_date=dt.date(2026, 11, 2), by=val_culture)
    with pytest.raises(ValidationError, match="aucun avis|pas d'avis"):
        services.review_workshop(
            workshop=workshop, meeting_date=dt.date(2026, 11, 9), by=val_culture
        )
    workshop = services.refuse_workshop(
        workshop=workshop,
        meeting_date=dt.date(2026, 11, 9),
        remarks="À revoir",
        by=val_culture,
    )
    assert workshop.status == WorkshopStatus.REFUSED and workshop.review_position is None
    workshop = services.propose_workshop(
        workshop=workshop, meeting_date=dt.date(2026, 11, 16), by=val_culture
    )
    assert services.awaited_step(workshop).name == "Bureau communautaire"


def test_a_longer_circuit_gives_each_intermediate_step_its_say(db, frozen_now):
    long = f.TerritoryFactory(slug="long", service_name="Pôle numérique")
    for position, name in enumerate(
        ["Pôle numérique", "Comité technique", "Bureau", "Conseil communautaire"], start=1
    ):
        ReviewStepFactory(territory=long, position=position, name=name)
    culture = f.UserFactory(culture_service=True, territory=long)
    workshop = WorkshopFactory(territory=long, draft=True)
    workshop = services.propose_workshop(
        workshop=workshop, meeting_date=dt.date(2026, 11, 2), by=culture
    )
    # The Comité technique gave its opinion at the meeting it was proposed to.
    assert services.awaited_step(workshop).name == "Bureau"
    with pytest.raises(ValidationError, match="attend d'abord l'avis « Bureau »"):
        services.approve_workshop(workshop=workshop, meeting_date=dt.date(2026, 11, 9), by=culture)
    with pytest.raises(ValidationError, match="vient après « Comité technique » du 02/11/2026"):
        services.review_workshop(workshop=workshop, meeting_date=dt.date(2026, 11, 1), by=culture)
    workshop = services.review_workshop(
        workshop=workshop, meeting_date=dt.date(2026, 11, 9), remarks="Favorable", by=culture
    )
    assert services.awaited_step(workshop).name == "Conseil communautaire"
    workshop = services.approve_workshop(
        workshop=workshop, meeting_date=dt.date(2026, 11, 16), by=culture
    )
    assert workshop.status == WorkshopStatus.APPROVED
    assert list(workshop.reviews.values_list("from_status", "to_status", "step_name")) == [
        ("draft", "proposed", "Comité technique"),
        ("proposed", "proposed", "Bureau"),
        ("proposed", "approved", "Conseil communautaire"),
    ]


def test_a_step_removed_while_a_workshop_waits_for_it_leaves_it_to_the_last(
    territory, ccfl_circuit, culture_user
):
    workshop = WorkshopFactory(territory=territory, draft=True)
    workshop = services.propose_workshop(
        workshop=workshop, meeting_date=dt.date(2026, 11, 2), by=culture_user
    )
    ReviewStep.objects.filter(territory=territory, name="Commission Culture").delete()
    ReviewStepFactory(territory=territory, position=3, name="Conseil")
    assert services.awaited_step(workshop).name == "Conseil"


# --- The minimum ---------------------------------------------------------------------------


def _schedule(workshop, venue, adviser, by):
    return services.schedule_sessions(
        workshop=workshop, venue=venue, starts=[SAT], advisers=[adviser], by=by
    )[0]


def _register(session, n, insee):
    for i in range(n):
        services.register(session=session, person=make_person(i, commune_insee=insee))


@pytest.mark.parametrize(("registered", "status"), [(5, "cancelled"), (6, "confirmed")])
def test_the_second_territory_cancels_under_six(
    val, val_culture, val_adviser, val_venue, val_format, val_commune, registered, status
):
    workshop = WorkshopFactory(territory=val, format=val_format)
    session = _schedule(workshop, val_venue, val_adviser, val_culture)
    assert session.min_attendance == 6  # the territory's, the format sets none
    _register(session, registered, val_commune.insee_code)
    decision = services.decide_session(session=session, now=session.decision_at)
    session.refresh_from_db()
    assert decision.outcome == status and decision.confirmed_count == registered
    expected = (
        SessionStatus.CANCELLED_LOW_ATTENDANCE if status == "cancelled" else SessionStatus.CONFIRMED
    )
    assert session.status == expected


@pytest.mark.parametrize(("registered", "status"), [(3, "cancelled"), (4, "confirmed")])
def test_the_ccfl_still_cancels_under_four(
    territory, ccfl_circuit, culture_user, adviser, library_venue, estaires, registered, status
):
    fmt = WorkshopFormatFactory(territory=territory, min_attendance=None)
    workshop = WorkshopFactory(territory=territory, format=fmt)
    session = _schedule(workshop, library_venue, adviser, culture_user)
    assert session.min_attendance == 4
    _register(session, registered, estaires.insee_code)
    decision = services.decide_session(session=session, now=session.decision_at)
    assert decision.outcome == status and decision.confirmed_count == registered


def test_a_format_or_a_session_may_set_another_minimum(
    val, val_culture, val_adviser, val_venue, val_commune
):
    fmt = WorkshopFormatFactory(territory=val, min_attendance=2)
    workshop = WorkshopFactory(territory=val, format=fmt)
    assert _schedule(workshop, val_venue, val_adviser, val_culture).min_attendance == 2
    other = services.schedule_sessions(
        workshop=workshop,
        venue=val_venue,
        starts=[SAT + dt.timedelta(days=7)],
        advisers=[val_adviser],
        by=val_culture,
        min_attendance=8,
    )[0]
    assert other.min_attendance == 8


def test_the_staff_pages_of_the_second_territory_say_six(
    client, val, val_culture, val_format, val_venue, val_commune
):
    workshop = WorkshopFactory(territory=val, format=val_format)
    session = SessionFactory(workshop=workshop, venue=val_venue, min_attendance=6)
    client.force_login(val_culture)
    page = text(client.get(reverse("workshops:session_detail", kwargs={"pk": session.pk})))
    assert "0 inscrits sur 6 minimum" in page
    assert "avec moins de 6 inscrits, la séance sera annulée" in page
    for word in CCFL_WORDS:
        assert word not in page


def test_no_minimum_means_no_cancellation_and_says_so(db, frozen_now):
    bare = f.TerritoryFactory(slug="sans-minimum")
    commune = f.CommuneFactory(territory=bare)
    fmt = WorkshopFormatFactory(territory=bare, min_attendance=None)
    venue = f.VenueFactory(commune=commune, confidential=False)
    culture = f.UserFactory(culture_service=True, territory=bare)
    adviser = f.UserFactory(adviser=True, territory=bare, communes=[commune])
    session = _schedule(WorkshopFactory(territory=bare, format=fmt), venue, adviser, culture)
    assert session.min_attendance == 0
    assert services.decide_session(session=session, now=session.decision_at).outcome == (
        "confirmed"
    )


# --- Who edits the circuit -------------------------------------------------------------------


def test_the_service_culture_edits_its_own_circuit_only(
    client, territory, ccfl_circuit, val, val_culture
):
    client.force_login(val_culture)
    own = ReviewStep.objects.get(territory=val, name="Bureau communautaire")
    url = reverse("admin:workshops_reviewstep_change", args=[own.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"territory": val.pk, "position": 20, "name": "Conseil communautaire"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert circuit_for(val.pk).names == ["Proposition", "Conseil communautaire"]

    listed = text(client.get(reverse("admin:workshops_reviewstep_changelist")))
    assert "Conseil communautaire" in listed
    assert "COTECH" not in listed and "Commission Culture" not in listed

    theirs = ReviewStep.objects.get(territory=territory, name="COTECH Esperluette")
    other = reverse("admin:workshops_reviewstep_change", args=[theirs.pk])
    assert client.get(other).status_code in (302, 404)
    client.post(other, {"territory": territory.pk, "position": 2, "name": "Pris"})
    client.post(reverse("admin:workshops_reviewstep_delete", args=[theirs.pk]), {"post": "yes"})
    # Adding a step to the other territory is refused: its territory is not a choice.
    response = client.post(
        reverse("admin:workshops_reviewstep_add"),
        {"territory": territory.pk, "position": 9, "name": "Étape glissée"},
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert circuit_for(territory.pk).names == list(ccfl_circuit)


def test_the_coordination_sees_the_circuit_but_does_not_change_it(client, val):
    coordinator = f.UserFactory(coordinator=True, territory=val)
    client.force_login(coordinator)
    step = ReviewStep.objects.get(territory=val, name="Proposition")
    url = reverse("admin:workshops_reviewstep_change", args=[step.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"territory": val.pk, "position": 1, "name": "X"}).status_code == 403
    assert circuit_for(val.pk).names == ["Proposition", "Bureau communautaire"]
