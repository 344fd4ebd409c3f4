"""Staff accounts in one step: the role, the scope it needs, the admin access, the invitation.

Used by the admin's « Ajouter un membre du personnel » screen and by ``load_territory``.
The rules (docs/territoire.md, « Comptes du personnel »):

- an adviser or a commune referent follows at least one commune, a librarian belongs to
  one library; the communes and the library are of the account's territory;
- the Service Culture and the coordination reach the administration (``is_staff``), the
  other roles do not need it;
- without a password, the account gets an invitation: an e-mail with a link to choose one
  (the same link as « mot de passe oublié », valid ``PASSWORD_RESET_TIMEOUT``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cadran.core import audit

from .enums import TERRITORY_ROLES, Role
from .models import User

COMMUNE_ROLES = frozenset({Role.ADVISER, Role.COMMUNE_REFERENT})


def scope_errors(*, role: str, territory, communes: Iterable, library) -> dict[str, list[str]]:
    """What is missing or wrong in an account's scope, by field, in French."""
    errors: dict[str, list[str]] = {}
    communes = list(communes)
    if role in COMMUNE_ROLES and not communes:
        label = "Un conseiller" if role == Role.ADVISER else "Un référent communal"
        errors["communes"] = [f"{label} suit au moins une commune : choisissez-la."]
    if role == Role.LIBRARIAN and library is None:
        errors["library"] = ["Un bibliothécaire appartient à une bibliothèque : choisissez-la."]
    if territory is not None:
        foreign = [c.name for c in communes if c.territory_id != territory.pk]
        if foreign:
            errors.setdefault("communes", []).append(
                f"{', '.join(foreign)} : pas une commune de {territory}."
            )
        if library is not None and library.commune.territory_id != territory.pk:
            errors.setdefault("library", []).append(
                f"La bibliothèque « {library} » n'est pas de {territory}."
            )
    return errors


def needs_admin(role: str) -> bool:
    return role in TERRITORY_ROLES


def _site(user: User) -> str:
    """The public address of the account's territory (or the install's)."""
    from cadran.territory import identity

    return identity.for_id(user.territory_id).site_url


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{_site(user)}{path}"


def send_invitation(user: User) -> None:
    """The e-mail that lets a new member of staff choose their password."""
    context = {
        "user": user,
        "link": invitation_link(user),
        "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        "territory": user.territory,
        "reset_url": f"{_site(user)}{reverse('accounts:password_reset')}",
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_body.txt", context)
    from cadran.territory import identity

    send_mail(subject, body, identity.for_id(user.territory_id).from_email, [user.email])


@transaction.atomic
def create_staff_account(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    territory,
    communes: Iterable = (),
    library=None,
    phone: str = "",
    password: str | None = None,
    by: User | None = None,
    invite: bool = True,
) -> User:
    """A new active member of staff with their scope. Raises ``ValidationError`` (by field,
    in French) and creates nothing when the scope is incomplete or the e-mail is taken."""
    communes = list(communes)
    errors = scope_errors(role=role, territory=territory, communes=communes, library=library)
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        errors.setdefault("email", []).append(f"Un compte existe déjà pour {email}.")
    if errors:
        raise ValidationError(errors)
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        territory=territory,
        library=library,
        phone=phone.strip(),
        is_staff=needs_admin(role),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if communes:
        user.communes.set(communes)
    audit.record(
        actor=by,
        obj=user,
        action="account.created",
        description=(
            f"Compte de {user} créé{f' par {by}' if by else ''} avec le rôle "
            f"« {user.get_role_display()} »"
            + (f", communes : {', '.join(sorted(c.name for c in communes))}" if communes else "")
            + "."
        ),
        territory_id=user.territory_id,
    )
    if invite and not password:
        transaction.on_commit(lambda: send_invitation(user), robust=True)
    return user
