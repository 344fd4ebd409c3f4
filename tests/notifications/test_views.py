"""Staff pages of the message log: who opens them, what they show, sending again, failed tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from cadran.accounts.enums import PERSONAL_DATA_ROLES, TERRITORY_ROLES
from cadran.core.models import AuditLog
from cadran.notifications.enums import MessageChannel, MessageStatus
from cadran.notifications.masking import mask_recipient
from cadran.notifications.models import Message
from cadran.scheduling.models import Appointment
from tests import factories as f

from .factories import MessageFactory

pytestmark = pytest.mark.django_db

LIST = "notifications:message_list"
TASKS = "notifications:failed_tasks"
FAILED_TASK_ERROR = "la Lune est tombée dans le puits"


@task()
def broken_task() -> None:
    raise RuntimeError(FAILED_TASK_ERROR)


def retry_url(message: Message) -> str:
    return reverse("notifications:message_retry", kwargs={"pk": message.pk})


@pytest.fixture
def appointment(frozen_now, permanence, territory):
    person = f.BeneficiaryFactory(territory=territory, phone="0698765432")
    return f.AppointmentFactory(permanence=permanence, beneficiary=person)


def about(appointment) -> dict:
    return {
        "beneficiary": appointment.beneficiary,
        "content_type": ContentType.objects.get_for_model(Appointment),
        "object_id": appointment.pk,
    }


@pytest.fixture
def failed(territory, appointment) -> Message:
    return MessageFactory(
        territory=territory,
        failed=True,
        recipient="0698765432",
        last_error="SmsError: Brevo a refusé le SMS (HTTP 400) : numéro invalide",
        **about(appointment),
    )


@pytest.fixture
def other_culture(db):
    return f.UserFactory(culture_service=True, territory=f.TerritoryFactory(name="Autre"))


# --- Who may open the pages -----------------------------------------------------------------


@pytest.mark.parametrize("name", [LIST, TASKS])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


def test_anonymous_cannot_send_again(client, failed):
    response = client.post(retry_url(failed))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    failed.refresh_from_db()
    assert failed.status == MessageStatus.FAILED


@pytest.mark.parametrize("who", ["adviser", "referent", "librarian"])
def test_other_staff_are_refused(client, failed, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse(TASKS)).status_code == 403
    assert client.post(retry_url(failed)).status_code == 403
    failed.refresh_from_db()
    assert failed.status == MessageStatus.FAILED
    assert not AuditLog.objects.filter(action="message.retried").exists()


@pytest.mark.parametrize("who", ["culture_user", "coordinator"])
def test_territory_staff_open_both_pages(client, failed, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(LIST))
    assert response.status_code == 200
    assert failed.last_error in response.content.decode()
    assert client.get(reverse(TASKS)).status_code == 200


def test_another_territory_sees_none_of_our_messages(client, failed, other_culture):
    theirs = MessageFactory(territory=other_culture.territory, recipient="0611112222")
    client.force_login(other_culture)
    content = client.get(reverse(LIST)).content.decode()
    assert theirs.recipient in content
    assert failed.recipient not in content
    assert mask_recipient(failed.recipient, failed.channel) not in content
    assert failed.last_error not in content
    assert "pas pu être envoyé" not in content  # our failure is not counted either

    assert client.post(retry_url(failed)).status_code == 404
    failed.refresh_from_db()
    assert failed.status == MessageStatus.FAILED


def test_retry_only_by_post(client, culture_user, failed):
    client.force_login(culture_user)
    assert client.get(retry_url(failed)).status_code == 405


def test_nav_links_to_messages_for_territory_staff_only(client, culture_user, adviser):
    url = reverse(LIST)
    client.force_login(culture_user)
    assert f'href="{url}"' in client.get(reverse("staff:home")).content.decode()
    client.force_login(adviser)
    assert f'href="{url}"' not in client.get(reverse("staff:home")).content.decode()


# --- What the list shows ---------------------------------------------------------------------


def test_every_role_that_opens_the_log_may_see_recipients():
    """Masking exists for roles without the right to personal data; none of them can open
    this page, so the Service Culture and the coordination read recipients in full."""
    assert TERRITORY_ROLES <= PERSONAL_DATA_ROLES


def test_recipient_is_shown_in_full_to_culture_service(client, culture_user, territory, failed):
    email = MessageFactory(territory=territory, email=True, recipient="jeanne.martin@example.org")
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert "0698765432" in content
    assert email.recipient in content
    assert mask_recipient(failed.recipient, failed.channel) not in content
    assert mask_recipient(email.recipient, email.channel) not in content


def test_row_shows_event_in_words_appointment_status_attempts_and_error(
    client, culture_user, failed, appointment
):
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert "Confirmation du rendez-vous" in content
    appointment_url = reverse("staff:appointment", kwargs={"pk": appointment.pk})
    assert f'<a href="{appointment_url}">{appointment.reference}</a>' in content
    assert "Échec" in content
    assert "numéro invalide" in content
    assert f'action="{retry_url(failed)}"' in content


def test_failed_count_at_the_top_with_its_filter(client, culture_user, territory, failed):
    MessageFactory(territory=territory, failed=True)
    MessageFactory(territory=territory, sent=True)
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert "2 messages n'ont pas pu être envoyés." in content
    assert 'href="?status=failed"' in content


def test_no_failed_notice_when_nothing_failed(client, culture_user, territory):
    MessageFactory(territory=territory, sent=True)
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert "pas pu être envoyé" not in content
    assert "Renvoyer" not in content


def test_newest_first(client, culture_user, territory, frozen_now, travel):
    old = MessageFactory(territory=territory, recipient="0600000001")
    travel(frozen_now + dt.timedelta(days=1))
    new = MessageFactory(territory=territory, recipient="0600000002")
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert content.index(new.recipient) < content.index(old.recipient)


@pytest.fixture
def mixed(territory, failed):
    return {
        "failed_sms": failed,
        "sent_email": MessageFactory(
            territory=territory, email=True, sent=True, recipient="a.sent@example.org"
        ),
        "pending_reminder": MessageFactory(
            territory=territory,
            event="appointment_reminder",
            template="scheduling/sms/appointment_reminder",
            recipient="0600000099",
        ),
    }


def _shown(client, query: dict) -> set[str]:
    content = client.get(reverse(LIST), query).content.decode()
    return {
        recipient
        for recipient in ("0698765432", "a.sent@example.org", "0600000099")
        if recipient in content
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"0698765432", "a.sent@example.org", "0600000099"}),
        ({"status": "failed"}, {"0698765432"}),
        ({"status": "sent"}, {"a.sent@example.org"}),
        ({"status": "pending"}, {"0600000099"}),
        ({"channel": "email"}, {"a.sent@example.org"}),
        ({"channel": "sms"}, {"0698765432", "0600000099"}),
        ({"event": "appointment_reminder"}, {"0600000099"}),
        ({"channel": "sms", "status": "pending"}, {"0600000099"}),
        ({"channel": "email", "status": "failed"}, set()),
    ],
)
def test_filters(client, culture_user, mixed, query, expected):
    client.force_login(culture_user)
    assert _shown(client, query) == expected


def test_an_unknown_filter_value_is_ignored_and_said(client, culture_user, mixed):
    client.force_login(culture_user)
    response = client.get(reverse(LIST), {"status": "perdu", "channel": "sms"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Un filtre n'a pas été compris" in content
    assert _shown(client, {"status": "perdu", "channel": "sms"}) == {"0698765432", "0600000099"}


def test_event_filter_offers_events_in_words(client, culture_user, mixed):
    client.force_login(culture_user)
    content = client.get(reverse(LIST)).content.decode()
    assert '<option value="appointment_reminder">Rappel la veille</option>' in content
    assert '<option value="failed">Échec</option>' in content


def test_pages_of_fifty_keep_the_filters(client, culture_user, territory):
    MessageFactory.create_batch(51, territory=territory, channel=MessageChannel.SMS)
    client.force_login(culture_user)
    response = client.get(reverse(LIST), {"channel": "sms"})
    page = response.context["page"]
    assert len(page.object_list) == 50
    assert page.paginator.num_pages == 2
    assert "?channel=sms&amp;page=2" in response.content.decode()
    second = client.get(reverse(LIST), {"channel": "sms", "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_list_queries_do_not_grow(client, django_assert_num_queries, culture_user, appointment):
    territory = culture_user.territory
    MessageFactory(territory=territory, failed=True, **about(appointment))
    client.force_login(culture_user)
    url = reverse(LIST)
    # session, user, event choices, failed messages, failed tasks, page count, rows, and the
    # session saved again (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    MessageFactory.create_batch(30, territory=territory, failed=True, **about(appointment))
    MessageFactory.create_batch(29, territory=territory, email=True, sent=True)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50
    with django_assert_num_queries(10):
        client.get(url, {"status": "failed", "channel": "sms", "page": 1})


# --- Sending again ---------------------------------------------------------------------------


def test_send_again_puts_a_failed_message_back_in_the_queue(
    client, culture_user, failed, django_capture_on_commit_callbacks
):
    client.force_login(culture_user)
    back = reverse(LIST) + "?status=failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(failed), {"next": back})
    assert response.status_code == 302
    assert response.url == back

    failed.refresh_from_db()
    assert failed.status == MessageStatus.PENDING
    assert failed.attempts == 0
    entry = AuditLog.objects.get(action="message.retried")
    assert entry.actor == culture_user
    assert entry.territory_id == failed.territory_id
    assert entry.object_id == str(failed.pk)
    # A delivery task waits for the worker.
    queued = DBTaskResult.objects.filter(task_path__endswith="deliver_message", status="READY")
    assert [r.args_kwargs["args"] for r in queued] == [[failed.pk]]

    content = client.get(back).content.decode()
    assert "Le message va être renvoyé" in content


def test_send_again_refuses_a_message_that_did_not_fail(client, coordinator, territory):
    sent = MessageFactory(territory=territory, sent=True)
    client.force_login(coordinator)
    response = client.post(retry_url(sent), follow=True)
    assert "Seul un message en échec peut être renvoyé." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    assert not AuditLog.objects.filter(action="message.retried").exists()


def test_send_again_never_redirects_to_another_site(client, culture_user, failed):
    client.force_login(culture_user)
    response = client.post(retry_url(failed), {"next": "https://example.com/piege"})
    assert response.url == reverse(LIST)


# --- Failed background tasks -----------------------------------------------------------------


def _failed_result(when: dt.datetime, *, message: str = "boom", path: str = "") -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [1], "kwargs": {}},
        task_path=path or "cadran.notifications.tasks.deliver_message",
        backend_name="default",
        run_after=when,
        started_at=when,
        finished_at=when,
        exception_class_path="builtins.ValueError",
        traceback=f'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: {message}\n',
    )


def test_a_task_that_failed_in_the_worker_is_shown(
    transactional_db, client, culture_user, frozen_now, db_tasks
):
    """A real worker runs a task that raises (transactional_db: the worker closes its
    connection when it stops)."""
    broken_task.enqueue()
    call_command("cadran_worker", "--once", "--no-sweep")
    assert DBTaskResult.objects.get(task_path__endswith="broken_task").status == "FAILED"

    client.force_login(culture_user)
    content = client.get(reverse(TASKS)).content.decode()
    assert "tests.notifications.test_views.broken_task" in content
    assert "RuntimeError" in content
    assert FAILED_TASK_ERROR in content
    assert "Traceback" not in content  # the technical detail is for superusers
    assert "Tâches automatiques en échec (30 derniers jours) : 1" in (
        client.get(reverse(LIST)).content.decode()
    )


def test_failed_tasks_of_the_last_30_days_only(client, coordinator, frozen_now):
    _failed_result(frozen_now - dt.timedelta(days=2), message="erreur-recente")
    _failed_result(frozen_now - dt.timedelta(days=31), message="erreur-vieille")
    ok = _failed_result(frozen_now - dt.timedelta(days=1), message="erreur-reussie")
    DBTaskResult.objects.filter(pk=ok.pk).update(status="SUCCESSFUL")
    client.force_login(coordinator)
    content = client.get(reverse(TASKS)).content.decode()
    assert "ValueError</strong> : erreur-recente" in content
    assert "Envoi d&#x27;un e-mail ou d&#x27;un SMS" in content
    assert "erreur-vieille" not in content
    assert "erreur-reussie" not in content
    assert "1 tâche en échec." in content


def test_superuser_also_reads_the_traceback(client, frozen_now):
    _failed_result(frozen_now - dt.timedelta(hours=1), message="détail")
    admin = f.UserFactory(culture_service=True, is_superuser=True)
    client.force_login(admin)
    content = client.get(reverse(TASKS)).content.decode()
    assert "Traceback (most recent call last)" in content


def test_failed_tasks_queries_do_not_grow(
    client, django_assert_num_queries, culture_user, frozen_now
):
    _failed_result(frozen_now - dt.timedelta(hours=1))
    client.force_login(culture_user)
    url = reverse(TASKS)
    # session, user, count, rows, and the session saved again (savepoint, update, release)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    for hours in range(2, 61):
        _failed_result(frozen_now - dt.timedelta(hours=hours))
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["tasks"]) == 50
