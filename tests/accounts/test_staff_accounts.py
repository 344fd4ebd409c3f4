"""A staff account in one screen: identity, role, scope, admin access and invitation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadran.accounts.enums import Role
from cadran.accounts.models import User
from cadran.accounts.staff import create_staff_account
from cadran.core.models import AuditLog
from tests import factories as f

ADD = "admin:accounts_user_add"


def _post(client, **data):
    base = {"email": "", "first_name": "", "last_name": "", "phone": "", "role": ""}
    base |= {"password1": "", "_save": "Enregistrer"}
    return client.post(reverse(ADD), base | data)


def test_one_screen_creates_an_adviser_with_communes_and_sends_the_invitation(
    client, culture_user, territory, estaires, merville, django_capture_on_commit_callbacks
):
    client.force_login(culture_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            email="Nadia.Nouvelle@Example.org",
            first_name="Nadia",
            last_name="Nouvelle",
            role=Role.ADVISER,
            communes=[estaires.pk, merville.pk],
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="nadia.nouvelle@example.org")
    assert user.territory == territory  # the creator's, not chosen
    assert set(user.communes.all()) == {estaires, merville}
    assert user.is_staff is False and not user.has_usable_password()
    assert AuditLog.objects.for_object(user).filter(action="account.created").count() == 1
    (invitation,) = mail.outbox
    assert invitation.to == ["nadia.nouvelle@example.org"]
    assert "choisissez votre mot de passe" in invitation.subject
    link = re.search(r"https?://\S+/compte/\S+", invitation.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, follow=True)
    assert "Nouveau mot de passe" in page.content.decode()


def test_a_manager_gets_the_admin_access(client, culture_user, territory):
    client.force_login(culture_user)
    response = _post(
        client,
        email="coord@example.org",
        first_name="Camille",
        last_name="Coord",
        role=Role.COORDINATOR,
        password1="une phrase de passe solide",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="coord@example.org")
    assert user.is_staff is True and user.check_password("une phrase de passe solide")
    assert mail.outbox == []  # a password was given: no invitation


@pytest.mark.parametrize(
    ("role", "field", "message"),
    [
        (Role.ADVISER, "communes", "Un conseiller suit au moins une commune"),
        (Role.COMMUNE_REFERENT, "communes", "Un référent communal suit au moins une commune"),
        (Role.LIBRARIAN, "library", "Un bibliothécaire appartient à une bibliothèque"),
    ],
)
def test_an_incomplete_scope_is_refused_in_french_and_nothing_is_created(
    client, culture_user, territory, role, field, message
):
    client.force_login(culture_user)
    response = _post(client, email="x@example.org", first_name="X", last_name="Y", role=role)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


def test_another_territorys_commune_cannot_be_chosen(client, culture_user, territory):
    other = f.CommuneFactory(territory=f.TerritoryFactory(slug="autre"))
    client.force_login(culture_user)
    response = _post(
        client,
        email="x@example.org",
        first_name="X",
        last_name="Y",
        role=Role.ADVISER,
        communes=[other.pk],
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()


def test_the_service_checks_the_scope_against_the_territory(territory, estaires):
    other_territory = f.TerritoryFactory(slug="autre")
    foreign_library = f.LibraryFactory(commune=f.CommuneFactory(territory=other_territory))
    with pytest.raises(ValidationError) as error:
        create_staff_account(
            email="b@example.org",
            first_name="B",
            last_name="C",
            role=Role.LIBRARIAN,
            territory=territory,
            library=foreign_library,
        )
    assert "n'est pas de" in str(error.value.message_dict["library"])
    create_staff_account(
        email="a@example.org",
        first_name="A",
        last_name="B",
        role=Role.ADVISER,
        territory=territory,
        communes=[estaires],
        invite=False,
    )
    with pytest.raises(ValidationError) as error:
        create_staff_account(
            email="A@example.org",
            first_name="A",
            last_name="B",
            role=Role.ADVISER,
            territory=territory,
            communes=[estaires],
        )
    assert "existe déjà" in str(error.value.message_dict["email"])
    assert User.objects.filter(email="a@example.org").count() == 1
