"""Second factor: enrolment, login with a code or a recovery code, and the guard of staff
pages when it is required (production)."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from django.urls import reverse

from cadran.accounts import twofactor
from cadran.accounts.models import RecoveryCode, User
from cadran.core.models import AuditLog
from tests import factories as f

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"
VERIFY = "/compte/double-authentification/"
SETUP = "/compte/double-authentification/activer/"


@pytest.fixture
def required(settings):
    settings.CADRAN_REQUIRE_2FA = True


def enrol(user: User) -> tuple[str, list[str]]:
    secret = twofactor.new_secret()
    codes = twofactor.confirm_enrolment(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    user.refresh_from_db()
    # The code just used may not be used again: the next login moves to the next step.
    return secret, codes


def next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))


def password_login(client, user: User):
    return client.post(LOGIN, {"username": user.email, "password": f.PASSWORD})


# --- The guard ------------------------------------------------------------------------------


def test_without_second_factor_a_staff_account_cannot_open_a_persons_record(
    client, required, adviser, permanence, frozen_now
):
    appointment = f.AppointmentFactory(permanence=permanence)
    name = appointment.beneficiary.last_name
    password_login(client, adviser)
    for url in (
        reverse("staff:appointment", args=[appointment.pk]),
        reverse("staff:beneficiary_search") + f"?q={name}",
        reverse("staff:home"),
        "/admin/",
        reverse("accounts:api_tokens"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(SETUP + "?next="), url
        assert name not in response.content.decode()
    # Nothing was read: no "person.viewed" entry.
    assert not AuditLog.objects.filter(action="person.viewed").exists()


def test_an_enrolled_account_must_type_its_code_before_staff_pages(
    client, required, adviser, permanence, frozen_now
):
    appointment = f.AppointmentFactory(permanence=permanence)
    secret, _codes = enrol(adviser)
    response = password_login(client, adviser)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY + "?next=")
    url = reverse("staff:appointment", args=[appointment.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    response = client.post(VERIFY + f"?next={url}", {"code": next_code(secret), "next": url})
    assert response.status_code == 302 and response.url == url
    response = client.get(url)
    assert response.status_code == 200
    assert appointment.beneficiary.last_name in response.content.decode()


def test_htmx_requests_are_sent_to_the_code_page_with_a_full_reload(
    client, required, adviser, frozen_now
):
    password_login(client, adviser)
    response = client.get(
        reverse("staff:beneficiary_search") + "?q=Du", headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SETUP)


def test_roles_without_personal_data_are_not_forced(client, required, referent, frozen_now):
    password_login(client, referent)
    assert client.get(reverse("staff:home")).status_code == 200


def test_when_not_required_staff_pages_open_and_say_so(client, settings, adviser, frozen_now):
    settings.CADRAN_REQUIRE_2FA = False
    password_login(client, adviser)
    response = client.get(reverse("staff:home"))
    assert response.status_code == 200
    assert "Démonstration : la double authentification est désactivée" in response.content.decode()


def test_no_banner_when_required(client, required, referent, frozen_now):
    password_login(client, referent)
    response = client.get(reverse("staff:home"))
    assert "double authentification est désactivée" not in response.content.decode()


def test_demo_and_production_defaults(settings):
    # The test settings are the demo's: not required. Production sets it from CADRAN_ENV.
    from config import settings as project_settings

    assert project_settings.CADRAN_REQUIRE_2FA == project_settings.PRODUCTION


# --- Enrolment ------------------------------------------------------------------------------


def test_enrolment_page_shows_the_qr_code_and_the_key(client, required, adviser):
    password_login(client, adviser)
    response = client.get(SETUP)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert '<svg role="img"' in page and "<title>Code QR" in page
    secret = client.session[twofactor.SESSION_PENDING_SECRET]
    assert twofactor.format_secret(secret) in page
    assert "style=" not in page and "<script>" not in page
    assert '<label for="id_code">' in page


def test_enrolment_with_a_wrong_code_is_explained(client, required, adviser):
    password_login(client, adviser)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce code ne marche pas" in page
    assert 'href="#id_code"' in page
    adviser.refresh_from_db()
    assert not adviser.has_second_factor


def test_enrolment_confirmed_shows_ten_recovery_codes_stored_hashed(client, required, adviser):
    password_login(client, adviser)
    client.get(SETUP)
    secret = client.session[twofactor.SESSION_PENDING_SECRET]
    response = client.post(SETUP, {"code": pyotp.TOTP(secret).now(), "next": "/espace/"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    adviser.refresh_from_db()
    assert adviser.has_second_factor and adviser.totp_secret == secret
    rows = list(RecoveryCode.objects.filter(user=adviser))
    assert len(rows) == 10
    codes = response.context["codes"]
    assert len(set(codes)) == 10
    for code in codes:
        assert code in page
        assert all(code not in row.code_hash for row in rows)
    # The session is verified: staff pages open at once.
    assert client.get(reverse("staff:home")).status_code == 200
    assert AuditLog.objects.filter(action="account.2fa_enabled").count() == 1


# --- Codes --------------------------------------------------------------------------------------


def test_a_totp_code_cannot_be_replayed(adviser):
    secret, _codes = enrol(adviser)
    code = next_code(secret)
    assert twofactor.verify_code(user=adviser, code=code) == "totp"
    with pytest.raises(Exception, match="ne marche pas"):
        twofactor.verify_code(user=adviser, code=code)


def test_an_old_code_is_refused(adviser):
    secret, _codes = enrol(adviser)
    old = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    with pytest.raises(Exception, match="ne marche pas"):
        twofactor.verify_code(user=adviser, code=old)


def test_a_recovery_code_works_once(client, required, adviser):
    _secret, codes = enrol(adviser)
    password_login(client, adviser)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("staff:home")).status_code == 200
    assert RecoveryCode.objects.filter(user=adviser, used_at__isnull=False).count() == 1
    # A new login: the same recovery code is refused, another one works.
    client.post(reverse("accounts:logout"))
    password_login(client, adviser)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert "Ce code ne marche pas" in response.content.decode()
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302
    assert AuditLog.objects.filter(action="account.recovery_code_used").count() == 2


def test_a_new_password_login_needs_a_new_code(client, required, adviser):
    secret, _codes = enrol(adviser)
    password_login(client, adviser)
    client.post(VERIFY, {"code": next_code(secret)})
    assert client.get(reverse("staff:home")).status_code == 200
    # Logging in again (same browser, same user) starts unverified.
    client.post(reverse("accounts:logout"))
    password_login(client, adviser)
    assert client.get(reverse("staff:home")).status_code == 302


def test_a_login_keeping_the_session_does_not_keep_the_verification(client, required, adviser, rf):
    """Django keeps the session data when the same user logs in again: our signal drops
    the verification (the admin's login page, for instance). The receiver must survive a
    garbage collection (a weakly connected local function would not)."""
    import gc

    from django.contrib.auth import login

    gc.collect()

    secret, _codes = enrol(adviser)
    password_login(client, adviser)
    client.post(VERIFY, {"code": next_code(secret)})
    session = client.session
    assert session[twofactor.SESSION_VERIFIED] == adviser.pk
    request = rf.get("/")
    request.session = session
    login(request, adviser, backend="django.contrib.auth.backends.ModelBackend")
    assert twofactor.SESSION_VERIFIED not in request.session


def test_renewing_recovery_codes_replaces_them(client, required, adviser):
    secret, codes = enrol(adviser)
    password_login(client, adviser)
    client.post(VERIFY, {"code": next_code(secret)})
    url = reverse("accounts:recovery_codes")
    assert "10 codes de secours" in client.get(url).content.decode()
    response = client.post(url)
    new_codes = response.context["codes"]
    assert set(new_codes).isdisjoint(codes)
    with pytest.raises(Exception, match="ne marche pas"):
        twofactor.verify_code(user=adviser, code=codes[2])


def test_the_next_parameter_cannot_send_elsewhere(client, required, adviser):
    secret, _codes = enrol(adviser)
    password_login(client, adviser)
    response = client.post(VERIFY, {"code": next_code(secret), "next": "https://evil.example.org/"})
    assert response.status_code == 302
    assert response.url == reverse("staff:home")


def test_admin_reset_of_the_second_factor_is_logged(client, culture_user, adviser):
    enrol(adviser)
    client.force_login(culture_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [adviser.pk]},
    )
    assert response.status_code == 302
    adviser.refresh_from_db()
    assert not adviser.has_second_factor
    assert not RecoveryCode.objects.filter(user=adviser).exists()
    entry = AuditLog.objects.get(action="account.2fa_reset")
    assert entry.actor == culture_user


def test_codes_follow_the_clock(adviser):
    """Under time-machine, the code of the frozen time is the one accepted."""
    secret = twofactor.new_secret()
    moment = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        twofactor.confirm_enrolment(user=adviser, secret=secret, code=pyotp.TOTP(secret).at(moment))
    later = moment + dt.timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        assert twofactor.verify_code(user=adviser, code=pyotp.TOTP(secret).at(later)) == "totp"
