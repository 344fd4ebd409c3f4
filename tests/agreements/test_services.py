"""Services against the database: every rule and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadran.agreements import rules, services
from cadran.agreements.enums import AgreementStatus, ObligationKind, ObligationStatus, Party
from cadran.agreements.models import Agreement, Obligation
from cadran.agreements.selectors import agreement_end_for_commune
from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.notifications.models import Message
from cadran.scheduling.services import (
    BeneficiaryData,
    SlotTaken,
    book_appointment,
    get_bookable_slot,
)
from cadran.scheduling.slots import make_slot_id
from tests import factories as f

from .conftest import build_estaires

TODAY = dt.date(2026, 11, 27)


def test_create_copies_the_territory_side_and_makes_the_checklist(
    estaires_agreement, culture_user, merville, adviser
):
    permanence = f.PermanenceFactory(commune=merville, adviser=adviser, weekday=3)
    agreement = services.create_agreement(
        commune=merville,
        by=culture_user,
        commune_signatory_name="Maire de Merville",
        permanence=permanence,
        commune_referents=[("Marc Exemple", "Référent")],
    )
    assert agreement.territory_signatory_name == "Jacques HURLUS"
    assert agreement.start_date == dt.date(2024, 9, 1)
    assert agreement.cap_date == dt.date(2027, 8, 31)
    assert agreement.cap_deliberation.date == dt.date(2024, 7, 2)
    assert agreement.cap_deliberation.agreement == agreement
    assert agreement.deliberations.count() == 4
    assert list(agreement.referents.values_list("party", "names")) == [
        ("commune", "Marc Exemple"),
        ("territory", "Madame Catherine WILLEMS"),
    ]
    assert sorted(agreement.obligations.values_list("kind", flat=True)) == sorted(
        ObligationKind.values
    )
    assert agreement.transmissions.count() == 4
    assert agreement.state().status == AgreementStatus.DRAFT
    assert agreement.template.version == 1
    assert AuditLog.objects.for_object(agreement).filter(action="agreement.created").exists()


def test_only_the_service_culture_of_the_territory_acts(estaires_agreement, coordinator, referent):
    other = f.UserFactory(culture_service=True, territory=f.TerritoryFactory())
    for user in (coordinator, referent, other):
        with pytest.raises(PermissionDenied):
            services.add_amendment(
                agreement=estaires_agreement, adopted_on=TODAY, title="x", text="y", by=user
            )
        with pytest.raises(PermissionDenied):
            services.terminate_agreement(
                agreement=estaires_agreement, requested_by=Party.COMMUNE, on=TODAY, by=user
            )


def test_estaires_today_is_in_its_last_year(estaires_agreement):
    state = estaires_agreement.state()
    assert state.status == AgreementStatus.IN_FORCE
    assert state.period.number == 3
    assert state.ends_on == dt.date(2027, 8, 31)
    assert list(
        estaires_agreement.renewals.values_list("number", "period_start", "period_end")
    ) == [
        (1, dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (2, dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ]


def test_a_third_renewal_is_refused(estaires_agreement, culture_user):
    with pytest.raises(ValidationError, match="2 fois"):
        services.renew_agreement(agreement=estaires_agreement, decided_on=TODAY, by=culture_user)
    assert estaires_agreement.renewals.count() == 2


def test_renewal_after_the_end_and_in_the_future_are_refused(
    frozen_now, estaires, culture_user, estaires_permanence, david
):
    agreement = build_estaires(
        commune=estaires, by=culture_user, permanence=estaires_permanence, adviser=david, renewals=0
    )
    with pytest.raises(ValidationError, match="pris fin le 31/08/2025"):
        services.renew_agreement(
            agreement=agreement, decided_on=dt.date(2025, 9, 2), by=culture_user
        )
    with pytest.raises(ValidationError, match="futur"):
        services.renew_agreement(
            agreement=agreement, decided_on=dt.date(2026, 12, 1), by=culture_user
        )


def test_renewal_never_passes_the_cap(frozen_now, culture_user, estaires):
    # Joined in January 2026 with the same cap: year 2 is cut (01/2027 – 08/2027), no year 3.
    agreement = services.create_agreement(
        commune=estaires,
        by=culture_user,
        commune_signatory_name="X",
        start_date=dt.date(2026, 1, 1),
        cap_date=dt.date(2027, 8, 31),
    )
    services.sign_agreement(
        agreement=agreement, signed_on=dt.date(2025, 12, 1), place="Estaires", by=culture_user
    )
    renewal = services.renew_agreement(agreement=agreement, decided_on=TODAY, by=culture_user)
    assert (renewal.period_start, renewal.period_end) == (dt.date(2027, 1, 1), dt.date(2027, 8, 31))
    agreement = Agreement.objects.get(pk=agreement.pk)
    with pytest.raises(ValidationError, match="limite du 31/08/2027"):
        services.renew_agreement(agreement=agreement, decided_on=TODAY, by=culture_user)


def test_sign_twice_or_without_place_is_refused(draft_agreement, culture_user):
    with pytest.raises(ValidationError):
        services.sign_agreement(
            agreement=draft_agreement, signed_on=TODAY, place=" ", by=culture_user
        )
    services.sign_agreement(
        agreement=draft_agreement,
        signed_on=dt.date(2024, 7, 25),
        place="La Gorgue",
        by=culture_user,
    )
    with pytest.raises(ValidationError, match="déjà signée"):
        services.sign_agreement(
            agreement=draft_agreement, signed_on=TODAY, place="X", by=culture_user
        )


def test_amendments_are_numbered(estaires_agreement, culture_user):
    first = services.add_amendment(
        agreement=estaires_agreement,
        adopted_on=dt.date(2026, 9, 10),
        title="Horaires",
        text="…",
        by=culture_user,
    )
    second = services.add_amendment(
        agreement=estaires_agreement, adopted_on=TODAY, title="Lieu", text="…", by=culture_user
    )
    assert (first.number, second.number) == (1, 2)
    assert second.template.kind == "amendment"
    with pytest.raises(ValidationError) as exc:
        services.add_amendment(
            agreement=estaires_agreement, adopted_on=TODAY, title="", text="", by=culture_user
        )
    assert set(exc.value.message_dict) == {"title", "text"}


def test_an_amendment_needs_a_signed_agreement(draft_agreement, culture_user):
    with pytest.raises(ValidationError, match="signez d'abord"):
        services.add_amendment(
            agreement=draft_agreement, adopted_on=TODAY, title="x", text="y", by=culture_user
        )


def test_termination_takes_three_months_at_least(estaires_agreement, culture_user):
    with pytest.raises(ValidationError, match="pas être avant le 27/02/2027"):
        services.terminate_agreement(
            agreement=estaires_agreement,
            requested_by=Party.COMMUNE,
            on=TODAY,
            effective_on=dt.date(2027, 2, 26),
            by=culture_user,
        )
    termination = services.terminate_agreement(
        agreement=estaires_agreement, requested_by=Party.TERRITORY, on=TODAY, by=culture_user
    )
    assert termination.effective_on == dt.date(2027, 2, 27)
    agreement = Agreement.objects.with_state_data().get(pk=estaires_agreement.pk)
    assert agreement.state().status == AgreementStatus.NOTICE_GIVEN
    assert agreement.state(dt.date(2027, 2, 28)).status == AgreementStatus.ENDED
    with pytest.raises(ValidationError, match="déjà enregistrée"):
        services.terminate_agreement(
            agreement=agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
        )


def test_termination_later_than_the_end_is_pointless(estaires_agreement, culture_user):
    with pytest.raises(ValidationError, match="ne change rien"):
        services.terminate_agreement(
            agreement=estaires_agreement,
            requested_by=Party.COMMUNE,
            on=TODAY,
            effective_on=dt.date(2027, 9, 30),
            by=culture_user,
        )


def test_the_end_of_the_agreement_stops_the_permanence(
    estaires_agreement, estaires_permanence, estaires, culture_user
):
    estaires_permanence.refresh_from_db()
    assert estaires_permanence.valid_until == dt.date(2027, 8, 31)
    assert agreement_end_for_commune(estaires) == dt.date(2027, 8, 31)
    services.terminate_agreement(
        agreement=estaires_agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
    )
    estaires_permanence.refresh_from_db()
    assert estaires_permanence.valid_until == dt.date(2027, 2, 27)
    assert agreement_end_for_commune(estaires) == dt.date(2027, 2, 27)


def test_no_booking_after_the_end_of_the_agreement(
    estaires_agreement, estaires_permanence, culture_user, estaires
):
    # The permanence itself ends with the agreement; a permanence added later without an end
    # is still refused after it (the check in get_bookable_slot).
    services.terminate_agreement(
        agreement=estaires_agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
    )
    extra = f.PermanenceFactory(
        commune=estaires, adviser=estaires_permanence.adviser, weekday=0, valid_until=None
    )
    before = dt.datetime(2027, 2, 22, 9, tzinfo=PARIS)  # Monday before the last day
    after = dt.datetime(2027, 3, 1, 9, tzinfo=PARIS)  # Monday after
    get_bookable_slot(
        slot_id=make_slot_id(extra.pk, before), now=before - dt.timedelta(days=1), for_staff=True
    )
    with pytest.raises(ValidationError) as exc:
        get_bookable_slot(
            slot_id=make_slot_id(extra.pk, after), now=after - dt.timedelta(days=1), for_staff=True
        )
    assert not isinstance(exc.value, SlotTaken)
    assert "convention" in " ".join(exc.value.messages)


def test_a_commune_without_agreement_is_not_limited(permanence, frozen_now):
    assert agreement_end_for_commune(permanence.commune) is None
    start = dt.datetime(2026, 12, 2, 9, tzinfo=PARIS)
    booking = book_appointment(
        slot_id=make_slot_id(permanence.pk, start),
        topics=["sante"],
        channel="phone",
        person=BeneficiaryData(first_name="A", last_name="B", phone="0612345678"),
        by=None,
    )
    assert booking.appointment.pk


def test_termination_tells_the_people_booked_after_the_last_day(
    estaires_agreement, estaires_permanence, culture_user
):
    before = f.AppointmentFactory(
        permanence=estaires_permanence,
        start=dt.datetime(2027, 2, 24, 9, tzinfo=PARIS),
        beneficiary__email="avant@example.org",
    )
    after = f.AppointmentFactory(
        permanence=estaires_permanence,
        start=dt.datetime(2027, 2, 17, 9, tzinfo=PARIS) + dt.timedelta(weeks=2),
        beneficiary__email="apres@example.org",
    )
    cancelled = f.AppointmentFactory(
        permanence=estaires_permanence,
        start=dt.datetime(2027, 3, 10, 9, tzinfo=PARIS),
        cancelled=True,
    )
    services.terminate_agreement(
        agreement=estaires_agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
    )
    told = Message.objects.filter(event="agreement_appointment_after_end")
    assert {m.object_id for m in told} == {after.pk}
    assert {m.channel for m in told} == {"email", "sms"}
    email = told.get(channel="email")
    assert email.recipient == "apres@example.org"
    assert "samedi 27 février 2027" in email.body
    assert after.reference in email.body
    assert not Message.objects.filter(
        object_id__in=[before.pk, cancelled.pk], event="agreement_appointment_after_end"
    ).exists()


def test_obligation_evidence(estaires_agreement, culture_user, referent, coordinator):
    obligation = estaires_agreement.obligations.get(kind=ObligationKind.VENUES)
    with pytest.raises(ValidationError, match="ce qui le montre"):
        services.update_obligation(
            obligation=obligation,
            status=ObligationStatus.MET,
            evidence="",
            checked_on=None,
            by=referent,
        )
    services.update_obligation(
        obligation=obligation,
        status=ObligationStatus.MET,
        evidence="Visite du 20/11",
        checked_on=None,
        by=referent,
    )
    obligation.refresh_from_db()
    assert (obligation.status, obligation.checked_on, obligation.checked_by) == (
        ObligationStatus.MET,
        TODAY,
        referent,
    )
    with pytest.raises(PermissionDenied):
        services.update_obligation(
            obligation=obligation,
            status=ObligationStatus.NOT_MET,
            evidence="",
            checked_on=None,
            by=coordinator,
        )
    other_referent = f.UserFactory(
        referent=True,
        territory=estaires_agreement.territory,
        communes=[f.CommuneFactory(territory=estaires_agreement.territory)],
    )
    with pytest.raises(PermissionDenied):
        services.update_obligation(
            obligation=obligation,
            status=ObligationStatus.NOT_MET,
            evidence="",
            checked_on=None,
            by=other_referent,
        )


def test_transmissions(estaires_agreement, culture_user, merville):
    transmission = estaires_agreement.transmissions.get(recipient="state")
    with pytest.raises(ValidationError, match="après sa signature"):
        services.record_transmission(
            transmission=transmission, sent_on=dt.date(2024, 7, 1), by=culture_user
        )
    services.record_transmission(
        transmission=transmission,
        sent_on=dt.date(2024, 9, 20),
        note="Préfecture du Nord",
        by=culture_user,
    )
    transmission.refresh_from_db()
    assert transmission.sent_on == dt.date(2024, 9, 20)
    with pytest.raises(ValidationError, match="signée"):
        services.record_transmission(
            transmission=services.create_agreement(
                commune=merville, by=culture_user, commune_signatory_name="X"
            ).transmissions.first(),
            sent_on=TODAY,
            by=culture_user,
        )


# --- The services under hypothesis: any sequence of actions, the database never holds more --


actions = st.lists(
    st.tuples(
        st.sampled_from(["renew", "amend", "terminate"]),
        st.integers(min_value=0, max_value=900),
        st.integers(min_value=-30, max_value=400),
    ),
    max_size=6,
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=actions)
def test_services_never_store_a_fourth_year_or_a_short_notice(
    actions, frozen_now, culture_user, estaires, django_db_blocker
):
    from django.db import transaction

    with transaction.atomic():
        agreement = services.create_agreement(
            commune=estaires,
            by=culture_user,
            commune_signatory_name="X",
            start_date=dt.date(2024, 9, 1),
            cap_date=dt.date(2027, 8, 31),
        )
        services.sign_agreement(
            agreement=agreement, signed_on=dt.date(2024, 7, 25), place="La Gorgue", by=culture_user
        )
        for kind, offset, extra in sorted(actions, key=lambda a: a[1]):
            day = min(dt.date(2024, 7, 25) + dt.timedelta(days=offset), TODAY)
            try:
                with transaction.atomic():
                    if kind == "renew":
                        services.renew_agreement(
                            agreement=agreement, decided_on=day, by=culture_user
                        )
                    elif kind == "amend":
                        services.add_amendment(
                            agreement=agreement,
                            adopted_on=day,
                            title="t",
                            text="x",
                            by=culture_user,
                        )
                    else:
                        services.terminate_agreement(
                            agreement=agreement,
                            requested_by=Party.COMMUNE,
                            on=day,
                            effective_on=rules.earliest_effective_date(day, 3)
                            + dt.timedelta(days=extra),
                            by=culture_user,
                        )
            except ValidationError:
                pass
        agreement = Agreement.objects.with_state_data().get(pk=agreement.pk)
        assert agreement.renewals.count() <= 2
        assert all(r.period_end <= agreement.cap_date for r in agreement.renewals.all())
        termination = agreement.termination_or_none
        if termination is not None:
            assert termination.effective_on >= rules.add_months(termination.requested_on, 3)
        for probe in (TODAY, agreement.cap_date, agreement.cap_date + dt.timedelta(days=1)):
            state = agreement.state(probe)
            assert not (state.in_force and probe > agreement.cap_date)
            assert state.period is None or state.period.number <= 3
        assert list(agreement.amendments.values_list("number", flat=True)) == list(
            range(1, agreement.amendments.count() + 1)
        )
        transaction.set_rollback(True)


def test_obligation_rows_are_unique(estaires_agreement):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Obligation.objects.create(agreement=estaires_agreement, kind=ObligationKind.VENUES)


def test_slots_stop_on_the_last_day(estaires_agreement, estaires_permanence, culture_user):
    from cadran.scheduling.slots import free_slots

    services.terminate_agreement(
        agreement=estaires_agreement, requested_by=Party.COMMUNE, on=TODAY, by=culture_user
    )
    estaires_permanence.refresh_from_db()
    slots = free_slots(
        [estaires_permanence],
        date_from=dt.date(2027, 2, 15),
        date_to=dt.date(2027, 3, 15),
        now=dt.datetime(2027, 2, 1, tzinfo=PARIS),
        for_staff=True,
    )
    assert {s.local_start.date() for s in slots} == {dt.date(2027, 2, 17), dt.date(2027, 2, 24)}
