from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from cadran.accounts.enums import TERRITORY_ROLES

from .enums import MessageChannel, MessageStatus
from .masking import mask_recipient


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user) -> MessageQuerySet:
        """The message log is the Service Culture's (and the coordination's): their territory."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in TERRITORY_ROLES:
            return self.filter(territory_id=user.territory_id)
        return self.none()

    def pending(self) -> MessageQuerySet:
        return self.filter(status=MessageStatus.PENDING)

    def sending(self) -> MessageQuerySet:
        return self.filter(status=MessageStatus.SENDING)

    def failed(self) -> MessageQuerySet:
        return self.filter(status=MessageStatus.FAILED)

    def for_object(self, obj: models.Model) -> MessageQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class Message(models.Model):
    """One e-mail or SMS: rendered when queued, sent by a task, kept as the message log.

    ``dedupe_key`` is unique: the row *is* the mark that a piece of time-driven work was done
    (``appointment:42:reminder:…:sms``), so a sweep run twice, or two workers at once, never
    queue the same message twice.
    """

    territory = models.ForeignKey(
        "territory.Territory",
        verbose_name="territoire",
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField("canal", max_length=8, choices=MessageChannel.choices)
    event = models.CharField("événement", max_length=64)
    template = models.CharField("modèle", max_length=200)
    dedupe_key = models.CharField("clé d'unicité", max_length=200, unique=True)
    recipient = models.CharField("destinataire", max_length=254)
    # Purged with the person (or the member of staff) it was written to.
    beneficiary = models.ForeignKey(
        "scheduling.Beneficiary",
        verbose_name="personne",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="membre du personnel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    # What the message is about (an appointment, later a workshop session).
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    # When the thing it is about takes place (the appointment's start when the message was
    # written): a reminder is due once per start, so a moved appointment is reminded again.
    event_at = models.DateTimeField("date concernée", null=True, blank=True)
    # Not sent after this moment (a reminder once the appointment has started).
    expires_at = models.DateTimeField("inutile après", null=True, blank=True)
    subject = models.CharField("objet", max_length=255, blank=True)
    body = models.TextField("texte")
    ics = models.TextField("invitation agenda (.ics)", blank=True)
    status = models.CharField(
        "état", max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    next_attempt_at = models.DateTimeField("prochaine tentative")
    # When a worker last claimed it to send it (``status`` is then ``sending``): a claim
    # older than the send's timeouts means the worker died, and the sweep releases it.
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    # Set when the message was withdrawn (appointment cancelled or moved) while a worker was
    # sending it: the send goes on and the message ends ``sent`` if the provider accepts
    # it, but it is not tried again if this send fails.
    withdraw_reason = models.CharField(
        "retrait demandé pendant l'envoi", max_length=1000, blank=True
    )
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["content_type", "object_id", "event"], name="message_target_idx"),
            models.Index(fields=["territory", "-created_at"], name="message_log_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False),
                name="message_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENDING) | Q(claimed_at__isnull=False),
                name="message_sending_has_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} « {self.event} » à {self.masked_recipient}"

    @property
    def masked_recipient(self) -> str:
        return mask_recipient(self.recipient, self.channel)

    def recipient_for(self, user) -> str:
        """The full recipient for staff allowed to see personal data, masked for the others."""
        if user.is_authenticated and user.sees_personal_data:
            return self.recipient
        return self.masked_recipient
