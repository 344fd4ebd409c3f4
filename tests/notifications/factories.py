from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cadran.notifications.enums import MessageChannel, MessageStatus
from cadran.notifications.models import Message
from tests.factories import BeneficiaryFactory, TerritoryFactory


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    territory = factory.SubFactory(TerritoryFactory)
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, territory=factory.SelfAttribute("..territory")
    )
    channel = MessageChannel.SMS
    event = "appointment_booked"
    template = "scheduling/sms/appointment_booked"
    dedupe_key = factory.Sequence(lambda n: f"test:{n}:sms")
    recipient = factory.LazyAttribute(
        lambda o: o.beneficiary.phone if o.beneficiary else "0611223344"
    )
    body = "RDV conseiller numérique confirmé."
    status = MessageStatus.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)

    class Params:
        email = factory.Trait(
            channel=MessageChannel.EMAIL,
            template="scheduling/email/appointment_booked",
            recipient="jeanne.martin@example.org",
            subject="Votre rendez-vous est confirmé",
            dedupe_key=factory.Sequence(lambda n: f"test:{n}:email"),
        )
        sent = factory.Trait(
            status=MessageStatus.SENT, attempts=1, sent_at=factory.LazyFunction(timezone.now)
        )
        failed = factory.Trait(
            status=MessageStatus.FAILED, attempts=5, last_error="SmsError: refusé"
        )
