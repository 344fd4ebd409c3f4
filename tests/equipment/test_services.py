"""Every rule and every refusal of the equipment services, against the database."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cadran.core.clock import PARIS
from cadran.core.models import AuditLog
from cadran.equipment import services
from cadran.equipment.enums import EquipmentStatus, LoanStatus, ReturnCondition
from cadran.equipment.models import Equipment, Loan
from cadran.notifications.models import Message
from tests import factories as f

from .factories import LOAN_START, EquipmentFactory, LoanFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

DEC_2 = LOAN_START
DEC_4 = LOAN_START + dt.timedelta(days=2)


def request(equipment, by, *, commune=None, library=None, start=DEC_2, end=DEC_4, **kw):
    kw.setdefault("storage_place", "Réserve fermée à clé de la mairie")
    kw.setdefault("storage_committed", True)
    return services.request_loan(
        equipment=equipment,
        commune=commune,
        library=library,
        start_date=start,
        end_date=end,
        by=by,
        **kw,
    )


def messages_for(loan, event):
    return Message.objects.for_object(loan).filter(event=event)


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- Requests ---------------------------------------------------------------------------------


def test_referent_requests_a_printer_for_their_commune(referent, printer, estaires, culture_user):
    loan = request(printer, referent, commune=estaires, purpose="Atelier du mercredi")
    assert loan.status == LoanStatus.REQUESTED
    assert loan.requested_by == referent
    assert loan.storage_place == "Réserve fermée à clé de la mairie"
    assert loan.storage_committed is True
    assert AuditLog.objects.for_object(loan).filter(action="loan.requested").exists()
    # The Service Culture is asked to decide.
    sent = messages_for(loan, "equipment_loan_requested")
    assert list(sent.values_list("recipient", flat=True)) == [culture_user.email]
    assert "Réserve fermée à clé de la mairie" in sent.get().body


def test_librarian_requests_for_their_library(librarian, laptops):
    loan = request(laptops, librarian, library=librarian.library, storage_place="")
    assert loan.library == librarian.library
    assert loan.commune == librarian.library.commune


def test_culture_service_requests_for_any_commune_of_the_territory(culture_user, merville, laptops):
    loan = request(laptops, culture_user, commune=merville)
    assert loan.commune == merville
    # Nobody else to tell: the requester is the only manager.
    assert not messages_for(loan, "equipment_loan_requested").exists()


def test_referent_may_not_request_for_another_commune(referent, merville, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, referent, commune=merville)
    assert exc.value.code == "forbidden"
    assert not Loan.objects.exists()


def test_librarian_may_not_request_for_another_library(librarian, estaires, laptops):
    other = f.LibraryFactory(commune=estaires, name="Autre médiathèque")
    with pytest.raises(ValidationError) as exc:
        request(laptops, librarian, library=other)
    assert exc.value.code == "forbidden"


def test_adviser_may_not_request(adviser, estaires, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, adviser, commune=estaires)
    assert exc.value.code == "forbidden"


def test_anonymous_may_not_request(estaires, laptops):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError) as exc:
        request(laptops, AnonymousUser(), commune=estaires)
    assert exc.value.code == "forbidden"


def test_other_territory_service_may_not_request(outsider, estaires, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, outsider, commune=estaires)
    assert exc.value.code == "forbidden"


def test_equipment_of_another_territory_is_refused(culture_user, estaires, other_territory):
    foreign = EquipmentFactory(territory=other_territory)
    with pytest.raises(ValidationError) as exc:
        request(foreign, culture_user, commune=estaires)
    assert "equipment" in field_errors(exc)


def test_library_must_be_in_the_commune(culture_user, merville, estaires_library, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, culture_user, commune=merville, library=estaires_library)
    assert field_errors(exc) == {"library": ["Cette médiathèque n'est pas dans cette commune."]}


def test_a_borrower_is_required(culture_user, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, culture_user)
    assert "commune" in field_errors(exc)


def test_printer_needs_a_secure_storage_place(referent, estaires, printer):
    with pytest.raises(ValidationError) as exc:
        request(printer, referent, commune=estaires, storage_place="  ", storage_committed=True)
    assert "article 4" in field_errors(exc)["storage_place"][0]
    assert not Loan.objects.exists()


def test_printer_storage_must_be_guaranteed_for_the_whole_period(referent, estaires, printer):
    with pytest.raises(ValidationError) as exc:
        request(printer, referent, commune=estaires, storage_committed=False)
    assert "toute la durée" in field_errors(exc)["storage_committed"][0]


def test_other_equipment_needs_no_storage_place(referent, estaires, laptops):
    loan = request(laptops, referent, commune=estaires, storage_place="", storage_committed=False)
    assert loan.storage_place == ""


def test_start_in_the_past_is_refused(referent, estaires, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, referent, commune=estaires, start=dt.date(2026, 11, 26))
    assert "start_date" in field_errors(exc)


def test_end_before_start_is_refused(referent, estaires, laptops):
    with pytest.raises(ValidationError) as exc:
        request(laptops, referent, commune=estaires, start=DEC_4, end=DEC_2)
    assert "end_date" in field_errors(exc)


def test_a_loan_lasts_at_most_max_days(referent, estaires, laptops):
    end = DEC_2 + dt.timedelta(days=services.MAX_LOAN_DAYS - 1)
    assert request(laptops, referent, commune=estaires, end=end).days == services.MAX_LOAN_DAYS
    with pytest.raises(ValidationError) as exc:
        request(
            laptops,
            referent,
            commune=estaires,
            start=end + dt.timedelta(days=1),
            end=end + dt.timedelta(days=services.MAX_LOAN_DAYS + 1),
        )
    assert "au plus" in field_errors(exc)["end_date"][0]


def test_one_day_loan(referent, estaires, laptops):
    loan = request(laptops, referent, commune=estaires, start=DEC_2, end=DEC_2)
    assert loan.period_label == "le 02/12/2026"


@pytest.mark.parametrize("status", [EquipmentStatus.LOST, EquipmentStatus.RETIRED])
def test_lost_or_retired_equipment_is_not_lent(referent, estaires, laptops, status):
    Equipment.objects.filter(pk=laptops.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        request(laptops, referent, commune=estaires)
    assert "plus prêté" in field_errors(exc)["equipment"][0]


def test_in_repair_equipment_may_still_be_requested(referent, estaires, laptops):
    Equipment.objects.filter(pk=laptops.pk).update(status=EquipmentStatus.IN_REPAIR)
    assert request(laptops, referent, commune=estaires).status == LoanStatus.REQUESTED


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (DEC_2, DEC_4),  # same days
        (DEC_4, DEC_4 + dt.timedelta(days=3)),  # shares the last day
        (DEC_2 - dt.timedelta(days=2), DEC_2),  # shares the first day
        (DEC_2 + dt.timedelta(days=1), DEC_2 + dt.timedelta(days=1)),  # inside
        (DEC_2 - dt.timedelta(days=1), DEC_4 + dt.timedelta(days=1)),  # around
    ],
)
def test_overlapping_periods_are_refused(culture_user, estaires, merville, printer, start, end):
    first = request(printer, culture_user, commune=estaires)
    with pytest.raises(ValidationError) as exc:
        request(printer, culture_user, commune=merville, start=start, end=end)
    assert exc.value.error_dict["start_date"][0].code == "overlap"
    assert (
        "déjà réservé du 02/12/2026 au 04/12/2026 (Commune d'Estaires)"
        in (field_errors(exc)["start_date"][0])
    )
    assert list(Loan.objects.all()) == [first]


@pytest.mark.parametrize("trait", ["approved", "collected", "returned"])
def test_every_non_cancelled_loan_holds_its_period(culture_user, merville, printer, trait):
    LoanFactory(equipment=printer, **{trait: True})
    with pytest.raises(ValidationError):
        request(printer, culture_user, commune=merville)


def test_a_cancelled_loan_frees_its_period(culture_user, merville, printer):
    LoanFactory(equipment=printer, cancelled=True)
    assert request(printer, culture_user, commune=merville).status == LoanStatus.REQUESTED


def test_adjacent_periods_and_other_items_are_fine(culture_user, estaires, merville, printer):
    request(printer, culture_user, commune=estaires)
    after = request(
        printer,
        culture_user,
        commune=merville,
        start=DEC_4 + dt.timedelta(days=1),
        end=DEC_4 + dt.timedelta(days=1),
    )
    other = EquipmentFactory(territory=printer.territory, printer=True)
    same_days = request(other, culture_user, commune=merville)
    assert after.pk and same_days.pk


# --- Approval ---------------------------------------------------------------------------------


def test_approve_tells_the_borrower(referent, coordinator, estaires, printer):
    loan = request(printer, referent, commune=estaires)
    services.approve_loan(loan=loan, by=coordinator)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    assert loan.approved_by == coordinator and loan.approved_at is not None
    sent = messages_for(loan, "equipment_loan_approved").get()
    assert sent.recipient == referent.email
    assert "Réserve fermée à clé de la mairie" in sent.body
    assert "/espace/materiel/prets/" in sent.body


def test_approve_twice_is_refused(culture_user, estaires, printer):
    loan = request(printer, culture_user, commune=estaires)
    services.approve_loan(loan=loan, by=culture_user)
    with pytest.raises(ValidationError) as exc:
        services.approve_loan(loan=loan, by=culture_user)
    assert exc.value.code == "state"


@pytest.mark.parametrize("role", ["referent", "librarian", "adviser"])
def test_only_managers_approve(request_fixture, role, estaires, printer):
    user = request_fixture(role)
    loan = LoanFactory(equipment=printer, commune=estaires)
    with pytest.raises(ValidationError) as exc:
        services.approve_loan(loan=loan, by=user)
    assert exc.value.code == "forbidden"


def test_other_territory_may_not_approve(outsider, printer):
    loan = LoanFactory(equipment=printer)
    with pytest.raises(ValidationError) as exc:
        services.approve_loan(loan=loan, by=outsider)
    assert exc.value.code == "forbidden"


def test_approve_refused_for_lost_equipment(culture_user, printer):
    loan = LoanFactory(equipment=printer)
    Equipment.objects.filter(pk=printer.pk).update(status=EquipmentStatus.LOST)
    with pytest.raises(ValidationError) as exc:
        services.approve_loan(loan=loan, by=culture_user)
    assert exc.value.code == "unlendable"


def test_approve_refused_after_the_pickup_deadline(culture_user, printer):
    loan = LoanFactory(equipment=printer, start_date=dt.date(2026, 11, 23))  # deadline 26/11
    with pytest.raises(ValidationError) as exc:
        services.approve_loan(loan=loan, by=culture_user)
    assert exc.value.code == "too_late"
    on_deadline = LoanFactory(
        equipment=EquipmentFactory(territory=printer.territory), start_date=dt.date(2026, 11, 24)
    )  # deadline today, 27/11
    assert services.approve_loan(loan=on_deadline, by=culture_user).status == LoanStatus.APPROVED


# --- Collection and return --------------------------------------------------------------------


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS), tick=False)


def test_collect_from_the_first_day(culture_user, printer):
    loan = LoanFactory(equipment=printer, approved=True)
    with pytest.raises(ValidationError) as exc:
        services.collect_loan(loan=loan, by=culture_user)
    assert exc.value.code == "too_early"
    with at(DEC_2):
        services.collect_loan(loan=loan, by=culture_user)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.COLLECTED and loan.collected_by == culture_user
    assert Equipment.objects.with_state(DEC_2).get(pk=printer.pk).display_status == "on_loan"
    assert Equipment.objects.get(pk=printer.pk).display_status == "on_loan"
    assert Equipment.objects.get(pk=printer.pk).status == EquipmentStatus.AVAILABLE


def test_collect_needs_an_approved_loan(culture_user, printer):
    loan = LoanFactory(equipment=printer)
    with at(DEC_2), pytest.raises(ValidationError) as exc:
        services.collect_loan(loan=loan, by=culture_user)
    assert "Acceptez d'abord" in exc.value.messages[0]


def test_collect_refused_after_the_period(culture_user, printer):
    loan = LoanFactory(equipment=printer, approved=True)
    with at(DEC_4 + dt.timedelta(days=1)), pytest.raises(ValidationError) as exc:
        services.collect_loan(loan=loan, by=culture_user)
    assert exc.value.code == "too_late"


def test_collect_refused_while_the_previous_borrower_still_has_it(culture_user, merville, printer):
    LoanFactory(
        equipment=printer,
        collected=True,
        start_date=dt.date(2026, 11, 25),
        end_date=dt.date(2026, 11, 30),
    )
    loan = LoanFactory(equipment=printer, commune=merville, approved=True)
    with at(DEC_2), pytest.raises(ValidationError) as exc:
        services.collect_loan(loan=loan, by=culture_user)
    assert exc.value.code == "still_out"


def test_collect_refused_for_an_item_in_repair(culture_user, printer):
    loan = LoanFactory(equipment=printer, approved=True)
    Equipment.objects.filter(pk=printer.pk).update(status=EquipmentStatus.IN_REPAIR)
    with at(DEC_2), pytest.raises(ValidationError) as exc:
        services.collect_loan(loan=loan, by=culture_user)
    assert exc.value.code == "unavailable"


def test_return_in_good_condition(culture_user, printer):
    loan = LoanFactory(equipment=printer, collected=True)
    with at(DEC_4, 17):
        services.return_loan(loan=loan, condition=ReturnCondition.GOOD, by=culture_user)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED
    assert loan.return_condition == ReturnCondition.GOOD
    assert loan.end_date == DEC_4
    assert Equipment.objects.get(pk=printer.pk).display_status == EquipmentStatus.AVAILABLE


def test_early_return_frees_the_rest_of_the_period(culture_user, merville, printer):
    loan = LoanFactory(equipment=printer, collected=True)
    with at(DEC_2 + dt.timedelta(days=1)):
        services.return_loan(loan=loan, condition=ReturnCondition.WORN, by=culture_user)
        loan.refresh_from_db()
        assert loan.end_date == DEC_2 + dt.timedelta(days=1)
        assert "Rendu en avance" in AuditLog.objects.for_object(loan).first().description
        # The item may be lent again from the next day.
        again = request(printer, culture_user, commune=merville, start=DEC_4, end=DEC_4)
    assert again.pk


def test_late_return_is_logged(culture_user, printer):
    loan = LoanFactory(equipment=printer, collected=True)
    with at(DEC_4 + dt.timedelta(days=3)):
        services.return_loan(loan=loan, condition=ReturnCondition.GOOD, by=culture_user)
    loan.refresh_from_db()
    assert loan.end_date == DEC_4
    assert "Rendu en retard" in AuditLog.objects.for_object(loan).first().description


@pytest.mark.parametrize("condition", [ReturnCondition.DAMAGED, ReturnCondition.INCOMPLETE])
def test_damaged_return_needs_notes_and_sends_to_repair(culture_user, printer, condition):
    loan = LoanFactory(equipment=printer, collected=True)
    with at(DEC_4):
        with pytest.raises(ValidationError) as exc:
            services.return_loan(loan=loan, condition=condition, by=culture_user)
        assert "notes" in exc.value.message_dict
        services.return_loan(loan=loan, condition=condition, notes="Buse bouchée", by=culture_user)
    printer.refresh_from_db()
    assert printer.status == EquipmentStatus.IN_REPAIR
    assert AuditLog.objects.for_object(printer).filter(action="equipment.status").exists()


def test_return_needs_a_known_condition_and_a_collected_loan(culture_user, printer):
    loan = LoanFactory(equipment=printer, collected=True)
    with pytest.raises(ValidationError) as exc:
        services.return_loan(loan=loan, condition="perfect", by=culture_user)
    assert "condition" in exc.value.message_dict
    approved = LoanFactory(equipment=EquipmentFactory(territory=printer.territory), approved=True)
    with pytest.raises(ValidationError) as exc:
        services.return_loan(loan=approved, condition=ReturnCondition.GOOD, by=culture_user)
    assert exc.value.code == "state"


@pytest.mark.parametrize("action", ["collect", "return"])
def test_only_managers_hand_over_and_take_back(referent, printer, estaires, action):
    if action == "collect":
        loan = LoanFactory(equipment=printer, commune=estaires, approved=True)
        call = lambda: services.collect_loan(loan=loan, by=referent)  # noqa: E731
    else:
        loan = LoanFactory(equipment=printer, commune=estaires, collected=True)
        call = lambda: services.return_loan(  # noqa: E731
            loan=loan, condition=ReturnCondition.GOOD, by=referent
        )
    with at(DEC_2), pytest.raises(ValidationError) as exc:
        call()
    assert exc.value.code == "forbidden"


# --- Cancellation -----------------------------------------------------------------------------


def test_service_cancels_and_the_borrower_is_told(referent, culture_user, estaires, printer):
    loan = request(printer, referent, commune=estaires)
    services.cancel_loan(loan=loan, reason="L'imprimante part en révision.", by=culture_user)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED
    assert loan.cancelled_by == culture_user and loan.cancel_reason.startswith("L'imprimante")
    sent = messages_for(loan, "equipment_loan_cancelled").get()
    assert sent.recipient == referent.email
    assert "L'imprimante part en révision." in sent.body


def test_borrower_cancels_their_own_and_the_service_is_told(
    referent, culture_user, estaires, printer
):
    loan = request(printer, referent, commune=estaires)
    services.approve_loan(loan=loan, by=culture_user)
    services.cancel_loan(loan=loan, reason="Atelier reporté", by=referent)
    sent = messages_for(loan, "equipment_loan_cancelled").get()
    assert sent.recipient == culture_user.email


def test_cancel_needs_a_reason(culture_user, printer):
    loan = LoanFactory(equipment=printer)
    with pytest.raises(ValidationError) as exc:
        services.cancel_loan(loan=loan, reason="  ", by=culture_user)
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize("trait", ["collected", "returned", "cancelled"])
def test_cancel_refused_once_collected_or_closed(culture_user, printer, trait):
    loan = LoanFactory(equipment=printer, **{trait: True})
    with pytest.raises(ValidationError) as exc:
        services.cancel_loan(loan=loan, reason="x", by=culture_user)
    assert exc.value.code == "state"


def test_other_commune_referent_may_not_cancel(territory, merville, printer):
    other = f.UserFactory(referent=True, territory=territory, communes=[merville])
    loan = LoanFactory(equipment=printer)
    with pytest.raises(ValidationError) as exc:
        services.cancel_loan(loan=loan, reason="x", by=other)
    assert exc.value.code == "forbidden"


# --- Equipment status -------------------------------------------------------------------------


def test_set_status(culture_user, printer):
    services.set_equipment_status(
        equipment=printer, status=EquipmentStatus.IN_REPAIR, notes="Plateau voilé", by=culture_user
    )
    printer.refresh_from_db()
    assert printer.status == EquipmentStatus.IN_REPAIR and printer.notes == "Plateau voilé"
    assert printer.display_status_label == "En réparation"


def test_on_loan_is_never_set_by_hand(culture_user, printer):
    with pytest.raises(ValidationError) as exc:
        services.set_equipment_status(
            equipment=printer, status=EquipmentStatus.ON_LOAN, by=culture_user
        )
    assert "status" in exc.value.message_dict


@pytest.mark.parametrize("status", [EquipmentStatus.IN_REPAIR, EquipmentStatus.RETIRED])
def test_status_change_refused_while_on_loan(culture_user, printer, status):
    LoanFactory(equipment=printer, collected=True)
    with pytest.raises(ValidationError):
        services.set_equipment_status(equipment=printer, status=status, by=culture_user)


def test_lost_while_on_loan_is_allowed(culture_user, printer):
    LoanFactory(equipment=printer, collected=True)
    services.set_equipment_status(equipment=printer, status=EquipmentStatus.LOST, by=culture_user)
    printer.refresh_from_db()
    assert printer.display_status == EquipmentStatus.LOST


def test_only_managers_set_status(referent, printer):
    with pytest.raises(ValidationError) as exc:
        services.set_equipment_status(
            equipment=printer, status=EquipmentStatus.RETIRED, by=referent
        )
    assert exc.value.code == "forbidden"
