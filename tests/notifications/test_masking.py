from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from cadran.notifications.masking import mask_email, mask_phone
from tests import factories as f

from .factories import MessageFactory


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("0612345678", "06 •• •• •• 78"),
        ("06 12 34 56 78", "06 •• •• •• 78"),
        ("+33612345678", "06 •• •• •• 78"),
        ("12", "••••"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jeanne.martin@example.org", "j•••@example.org"),
        ("j@example.org", "j•••@example.org"),
        ("pas-une-adresse", "•••"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_recipient_shown_in_full_only_to_staff_allowed_to_see_personal_data(territory):
    message = MessageFactory(territory=territory, recipient="0612345678")
    culture = f.UserFactory(culture_service=True, territory=territory)
    referent = f.UserFactory(referent=True, territory=territory)
    assert message.recipient_for(culture) == "0612345678"
    assert message.recipient_for(referent) == "06 •• •• •• 78"
    assert message.recipient_for(AnonymousUser()) == "06 •• •• •• 78"
    assert "0612345678" not in str(message)


def test_message_log_is_the_territory_managers(territory):
    mine = MessageFactory(territory=territory)
    MessageFactory()  # another territory
    culture = f.UserFactory(culture_service=True, territory=territory)
    adviser = f.UserFactory(adviser=True, territory=territory)
    from cadran.notifications.models import Message

    assert list(Message.objects.visible_to(culture)) == [mine]
    assert not Message.objects.visible_to(adviser).exists()


def test_messages_are_purged_with_the_person(territory):
    message = MessageFactory(territory=territory)
    from cadran.notifications.models import Message

    message.beneficiary.delete()
    assert not Message.objects.filter(pk=message.pk).exists()
