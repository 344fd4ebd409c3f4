"""Forms of the message log pages."""

from __future__ import annotations

from django import forms

from .enums import MessageChannel, MessageStatus


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="État",
        required=False,
        choices=[("", "Tous les états"), *MessageStatus.choices],
    )
    channel = forms.ChoiceField(
        label="Canal",
        required=False,
        choices=[("", "E-mail et SMS"), *MessageChannel.choices],
    )
    event = forms.ChoiceField(label="Événement", required=False)

    def __init__(self, *args, events: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", "Tous les événements"), *events]

    def filters(self) -> dict[str, str]:
        """The valid filters; an unknown value is ignored (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in ("status", "channel", "event")
            if self.cleaned_data.get(name)
        }
