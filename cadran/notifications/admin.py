from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from cadran.core.admin_scope import TerritoryScopedAdmin

from .enums import MessageStatus
from .models import Message
from .services import retry_message


@admin.register(Message)
class MessageAdmin(TerritoryScopedAdmin):
    """The message log: read-only; a failed message can be sent again."""

    list_filter = ["status", "channel", "event"]
    list_select_related = ["territory"]
    search_fields = ["dedupe_key", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    detail_fields = [
        "territory",
        "channel",
        "event",
        "template",
        "dedupe_key",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "withdraw_reason",
        "sent_at",
        "event_at",
        "expires_at",
        "created_at",
    ]

    @staticmethod
    def _recipient_column(user):
        """The recipient, in full only for staff allowed to see personal data.

        Built per request (a ModelAdmin is shared between threads)."""

        @admin.display(description="destinataire")
        def recipient(obj: Message) -> str:
            return obj.recipient_for(user)

        return recipient

    def get_list_display(self, request):
        return [
            "created_at",
            "channel",
            "event",
            self._recipient_column(request.user),
            "status",
            "attempts",
            "sent_at",
            "short_error",
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.detail_fields)
        fields.insert(4, self._recipient_column(request.user))
        return fields

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="erreur")
    def short_error(self, obj: Message) -> str:
        return obj.last_error[:80]

    @admin.action(description="Renvoyer les messages en échec sélectionnés")
    def send_again(self, request, queryset):
        done = 0
        for message in queryset.filter(status=MessageStatus.FAILED):
            try:
                retry_message(message=message, by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.WARNING)
        self.message_user(request, f"{done} message(s) remis en file d'envoi.")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
