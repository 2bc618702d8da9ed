from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from townhall.assistant import conf


class ChatForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=int(conf.DEFAULTS["ASSISTANT_MAX_MESSAGE_CHARS"]),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
    photo = forms.FileField(label=_("Photo (optional)"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not str(data.get("message") or "").strip() and not data.get("photo"):
            raise forms.ValidationError(_("Write a message, or choose a photo to send."))
        return data
