"""The console's own data, in its own database (never Rasa's).

Staff accounts, sign-in attempts (for throttling), the audit log, follow-ups,
reviewed messages (corrections), and the summary index: one row per
conversation and one per patient message, built incrementally from Rasa's
events table so the list, queue and insights never aggregate 200,000 events
per request (review/indexer.py).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A member of the clinic's staff. Admins also manage users, export,
    read the audit log and delete conversations."""

    class Role(models.TextChoices):
        STAFF = "staff", "Staff"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)

    @property
    def is_console_admin(self) -> bool:
        return self.is_active and self.role == self.Role.ADMIN


class LoginAttempt(models.Model):
    """One sign-in attempt (or check of a current password), recorded before
    the password is hashed so that parallel guesses count: review/throttle.py."""

    at = models.DateTimeField(default=timezone.now)
    account = models.CharField(max_length=64)  # keyed hash of the typed name, never the name
    ip = models.CharField(max_length=45)  # IPv4 address or IPv6 /64 (throttle.network)
    succeeded = models.BooleanField(default=False)  # a failure until the password proved right

    class Meta:
        indexes = [
            models.Index(fields=["account", "ip", "at"], name="attempt_account_ip_at"),
            models.Index(fields=["ip", "at"], name="attempt_ip_at"),
        ]


class AuditEntry(models.Model):
    """Who did what to which conversation (by its label). Holds no patient text
    but what staff typed: search queries and reasons for a reveal (admins only
    read the log)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150)  # a username, or "command: <name>"
    action = models.CharField(max_length=40, db_index=True)
    conversation = models.CharField(max_length=255, blank=True)  # a label (review/labels.py)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    # Repeats of the same failure collapse into one entry (audit.record_repeated).
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class ConversationSummary(models.Model):
    """One conversation (a Rasa sender id), folded from its events."""

    CHANNELS = [("web", "Web"), ("sms", "SMS"), ("rest", "REST"), ("other", "Other")]

    sender_id = models.CharField(max_length=255, unique=True)  # never shown: see review/labels.py
    label = models.CharField(max_length=64, unique=True)  # what staff see, link and export
    channel = models.CharField(max_length=8, blank=True, choices=CHANNELS, db_index=True)
    started_at = models.DateTimeField()
    started_day = models.DateField(db_index=True)  # in the console's TIME_ZONE, for charts
    last_event_at = models.DateTimeField()
    last_event_id = models.BigIntegerField(default=0)
    patient_messages = models.PositiveIntegerField(default=0)
    assistant_messages = models.PositiveIntegerField(default=0)
    urgent = models.BooleanField(default=False)
    callback = models.BooleanField(default=False)
    low_confidence = models.BooleanField(default=False)
    opted_out = models.BooleanField(default=False)
    first_flagged_at = models.DateTimeField(null=True, blank=True)
    last_flagged_at = models.DateTimeField(null=True, blank=True)
    preview = models.CharField(max_length=200, blank=True)  # first question, redacted
    search_text = models.TextField(blank=True)  # patient messages, lower-cased, for search

    class Meta:
        indexes = [models.Index(fields=["-started_at", "-id"], name="summary_newest")]

    @property
    def messages(self) -> int:
        return self.patient_messages + self.assistant_messages


class MessageSummary(models.Model):
    """One patient message: its intent and confidence (its text stays in Rasa's store)."""

    event_id = models.BigIntegerField(primary_key=True)
    sender_id = models.CharField(max_length=255, db_index=True)
    at = models.DateTimeField()
    day = models.DateField(db_index=True)
    intent = models.CharField(max_length=100, db_index=True)
    confidence = models.FloatField()
    low_confidence = models.BooleanField(default=False)  # fallback or below LOW_CONFIDENCE
    needs_review = models.BooleanField(default=False)  # low, and typed words (not a button)

    class Meta:
        indexes = [models.Index(fields=["needs_review", "at"], name="message_review_at")]


class IndexState(models.Model):
    """How far the summary index has read Rasa's events table, and from where."""

    source = models.CharField(max_length=64)  # fingerprint of the store URL and time zone
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)


class FollowUp(models.Model):
    """A flagged conversation a staff member has dealt with."""

    sender_id = models.CharField(max_length=255, db_index=True)
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="follow_ups")
    note = models.TextField()
    # The conversation's latest flag at the time: a newer flag reopens it.
    covers_until = models.DateTimeField()


class Correction(models.Model):
    """A reviewed patient message: the intent it should have had, or dismissed."""

    event_id = models.BigIntegerField(unique=True, null=True, blank=True)  # null once purged
    sender_id = models.CharField(max_length=255, blank=True, db_index=True)
    original_intent = models.CharField(max_length=100)
    original_confidence = models.FloatField()
    intent = models.CharField(max_length=100, blank=True)  # "" = dismissed, not an example
    example = models.TextField(blank=True)  # the message with personal data replaced
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="corrections")
    reviewed_at = models.DateTimeField(default=timezone.now)
