from django.db import models


class MessageChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    # Claimed by a worker, which is sending it now (``claimed_at``). Nothing but that worker
    # changes it, except the sweep once the claim is stale (the worker died mid-send).
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"
    # Not sent because it no longer made sense: the appointment was cancelled or moved, or
    # the moment had passed while the provider kept failing.
    WITHDRAWN = "withdrawn", "Non envoyé (plus utile)"
