"""Admin: notices are listed for support; they are written only by the services."""

from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "message", "created_at", "read_at", "email_state"]
    list_filter = ["kind", "email_state"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request) -> bool:
        return False
