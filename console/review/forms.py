"""The console's forms (other than the list filters, in filters.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from django import forms
from django.contrib.auth import password_validation

from review import topics
from review.domain import correctable_intents
from review.models import FollowUp, User


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    """A code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()  # "123 456", "ABCD-EFGH"


class CaseForm(forms.Form):
    """What the page showed when its user acted: the case's version and latest
    flag (hidden), and whether they confirmed acting on a colleague's case."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    seen = forms.CharField(
        max_length=40, widget=forms.HiddenInput
    )  # the latest flag shown (ISO time)
    confirm = forms.BooleanField(required=False)

    def seen_flag(self) -> Optional[datetime]:
        try:
            seen = datetime.fromisoformat(self.cleaned_data["seen"])
        except (KeyError, ValueError):
            return None
        return seen if seen.tzinfo else None


class FollowUpForm(CaseForm):
    reason = forms.ChoiceField(
        label="Outcome", choices=FollowUp.Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="What was done and said.")


class CorrectionForm(forms.Form):
    intent = forms.ChoiceField(label="Topic", required=False)
    suggested = forms.ChoiceField(required=False)  # a one-click suggestion's button
    dismiss = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = sorted(
            ((name, topics.topic(name)) for name in correctable_intents()), key=lambda c: c[1]
        )
        self.fields["intent"].choices = [("", "Choose the right topic")] + choices
        self.fields["suggested"].choices = [("", "")] + choices

    def clean(self):
        data = super().clean()
        data["intent"] = data.get("suggested") or data.get("intent")
        if not data.get("dismiss") and not data.get("intent"):
            raise forms.ValidationError("Choose a topic, or dismiss the message.")
        return data


class KnowledgeReviewForm(forms.Form):
    """An admin's sign-off of one knowledge-base entry, as it was on their screen."""

    confirm = forms.BooleanField(
        label="I have read every answer and SMS answer above against the page sentences "
        "they rest on, and they are right for patients.",
    )
    # The fingerprints of what was on screen: a later edit refuses the sign-off.
    answers = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    sources = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=200,
        help_text="Why you need to see it, for example: calling the patient back.",
    )


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="The patient asked for this conversation to be deleted. Delete it permanently.",
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("jsonl", "JSONL")], label="Format")
    scope = forms.ChoiceField(
        choices=[
            ("selected", "Selected conversations"),
            ("filter", "All conversations matching the filter"),
        ],
        label="Export",
    )
    include_personal_data = forms.BooleanField(
        required=False, label="Include personal data (unredacted)",
    )


class NewUserForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    role = forms.ChoiceField(choices=User.Role.choices, label="Role")
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)
    password_again = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password_again"):
            raise forms.ValidationError("The passwords differ.")
        if data.get("password") and data.get("username"):
            password_validation.validate_password(data["password"], User(username=data["username"]))
        return data
