from django.contrib import admin

from runtime.models import Channel, Contact, Conversation, Message


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "workspace", "scenario", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "workspace"]
    search_fields = ["name", "key"]
    # Secrets are encrypted at rest and never shown.
    exclude = ["secrets_encrypted"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel", "workspace", "subscribed", "created_at"]
    list_filter = ["subscribed", "workspace"]
    search_fields = ["name", "phone", "email", "external_id"]
    raw_id_fields = ["channel"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "contact", "mode", "assignee", "last_message_at"]
    list_filter = ["mode", "is_preview", "workspace"]
    raw_id_fields = ["channel", "contact", "scenario", "version", "department", "assignee"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["conversation", "seq", "direction", "sender", "delivery", "created_at"]
    list_filter = ["direction", "sender", "delivery"]
    raw_id_fields = ["conversation", "channel", "sender_user"]
