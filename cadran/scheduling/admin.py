from django.contrib import admin

from cadran.core.admin_scope import TerritoryScopedAdmin

from .models import Appointment, AppointmentTopic, Beneficiary, Closure, Permanence


@admin.register(Permanence)
class PermanenceAdmin(TerritoryScopedAdmin):
    territory_path = "commune__territory"
    list_display = ["commune", "__str__", "venue", "adviser", "online_booking", "is_demo"]
    list_filter = ["weekday", "frequency", "online_booking", "is_demo"]
    list_select_related = ["commune", "venue__commune", "adviser"]
    radio_fields = {"frequency": admin.VERTICAL}
    fieldsets = [
        (None, {"fields": ["commune", "venue", "adviser"]}),
        (
            "Quand",
            {
                "fields": [
                    "weekday",
                    "frequency",
                    "first_date",
                    "week_of_month",
                    "start_time",
                    "end_time",
                    "adviser_arrival_time",
                    "slot_minutes",
                    "valid_from",
                    "valid_until",
                ],
                "description": (
                    "Une semaine sur deux : la première date fixe les semaines (laissée vide, "
                    "c'est le premier jour de la permanence à partir de la date de début). "
                    "Une fois par mois : choisissez la semaine, par exemple « le premier du "
                    "mois » pour le premier mardi du mois, ou « le dernier du mois »."
                ),
            },
        ),
        (
            "Réservation",
            {
                "fields": [
                    "online_booking",
                    "min_notice_minutes",
                    "booking_window_days",
                    "is_demo",
                ]
            },
        ),
    ]


@admin.register(Closure)
class ClosureAdmin(TerritoryScopedAdmin):
    list_display = ["reason", "start", "end", "commune", "venue", "adviser"]
    list_select_related = ["commune", "venue__commune", "adviser"]


class AppointmentTopicInline(admin.TabularInline):
    model = AppointmentTopic
    extra = 0


@admin.register(Appointment)
class AppointmentAdmin(TerritoryScopedAdmin):
    """Read-only: appointments change through the day sheet, so that the audit log is kept."""

    territory_path = "permanence__commune__territory"
    list_display = ["reference", "start", "permanence", "status", "channel"]
    list_filter = ["status", "channel", "confirmation_answer"]
    list_select_related = ["permanence__commune"]
    search_fields = ["reference"]
    inlines = [AppointmentTopicInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Beneficiary)
class BeneficiaryAdmin(TerritoryScopedAdmin):
    list_display = ["last_name", "first_name", "residence_insee", "created_at"]
    search_fields = ["last_name", "first_name"]

    def has_change_permission(self, request, obj=None):
        return False
