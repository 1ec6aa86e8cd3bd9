"""The console's own data, in its own database (never Rasa's).

Staff accounts, sign-in attempts (for throttling), the audit log, follow-ups,
reviewed messages (corrections), and the summary index: one row per
conversation and one per patient message, built incrementally from Rasa's
events table so the list, queue and insights never aggregate 200,000 events
per request (review/indexer.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from review.choices import ChannelKind, Status  # noqa: F401 (Status: imported from here)
from review.querysets import (
    AuditQuerySet,
    ConversationQuerySet,
    FollowUpQuerySet,
    MessageQuerySet,
    WrongAnswerQuerySet,
)


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

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]


class ConversationSummary(models.Model):
    """One conversation (a Rasa sender id), folded from its events."""

    objects = ConversationQuerySet.as_manager()

    sender_id = models.CharField(max_length=255, unique=True)  # never shown: see review/labels.py
    label = models.CharField(max_length=64, unique=True)  # what staff see, link and export
    channel = models.CharField(max_length=8, blank=True, choices=ChannelKind.choices, db_index=True)
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
    # The patient message that raised the latest flag (its text stays in Rasa's store).
    last_patient_event_id = models.BigIntegerField(default=0)
    flag_event_id = models.BigIntegerField(null=True, blank=True)
    search_text = models.TextField(blank=True)  # patient messages, lower-cased, for search

    class Meta:
        # Partial indexes, each holding exactly the rows a page asks for, so that
        # at 100,000 conversations no request scans them all (docs/benchmarks.md).
        indexes = [
            # the list (conversations with a patient message, newest first) and its count
            models.Index(fields=["-started_at", "-id"], condition=Q(patient_messages__gt=0),
                         name="summary_listed"),
            # the open cases: the queue and the navigation's count (without the table's rows)
            models.Index(fields=["sender_id", "last_flagged_at"],
                         condition=Q(urgent=True) | Q(callback=True), name="summary_flagged"),
            # compared with the SMS opt-outs at every index update
            models.Index(fields=["sender_id"], condition=Q(opted_out=True),
                         name="summary_opted_out"),
        ]

    @property
    def messages(self) -> int:
        return self.patient_messages + self.assistant_messages


class MessageSummary(models.Model):
    """One patient message: its intent and confidence (its text stays in Rasa's store)."""

    OTHER_LANGUAGE = "other_language"  # a review_reason

    event_id = models.BigIntegerField(primary_key=True)
    sender_id = models.CharField(max_length=255, db_index=True)
    at = models.DateTimeField()
    day = models.DateField(db_index=True)
    intent = models.CharField(max_length=100, db_index=True)
    confidence = models.FloatField()
    low_confidence = models.BooleanField(default=False)  # fallback or below LOW_CONFIDENCE
    needs_review = models.BooleanField(default=False)  # low, and typed words (not a button)
    # Why a confident message needs a look too: OTHER_LANGUAGE (answered "only English").
    review_reason = models.CharField(max_length=16, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["needs_review", "at"], name="message_review_at")]


class IndexState(models.Model):
    """How far the summary index has read Rasa's events table, and from where."""

    source = models.CharField(max_length=64)  # fingerprint of the store URL and time zone
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)


class FollowUp(models.Model):
    """A flagged conversation a staff member has dealt with."""

    class Reason(models.TextChoices):
        CALLED_BACK = "called_back", "Called back"
        ADVISED_IN = "advised_in", "Advised to come in"
        NO_ANSWER = "no_answer", "No answer, left a message"
        FALSE_ALARM = "false_alarm", "False alarm"

    sender_id = models.CharField(max_length=255, db_index=True)
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="follow_ups")
    note = models.TextField()
    reason = models.CharField(
        max_length=16, choices=Reason.choices, blank=True
    )  # blank before issue 15
    # The conversation's latest flag at the time: a newer flag reopens it.
    covers_until = models.DateTimeField()

    objects = FollowUpQuerySet.as_manager()


class Case(models.Model):
    """Who is handling a flagged conversation. `version` goes up with every
    change (taken, closed), so a form can tell whether what its user saw is
    still so: optimistic concurrency, with no lock held while a nurse phones."""

    sender_id = models.CharField(max_length=255, unique=True)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)  # 0 = no row yet

    @classmethod
    def version_of(cls, sender_id: str) -> int:
        return (
            cls.objects.filter(sender_id=sender_id).values_list("version", flat=True).first() or 0
        )

    @classmethod
    def change(cls, sender_id: str, seen_version: int, assignee: Optional[User],
               at: Optional[datetime] = None) -> bool:
        """Sets the assignee if nobody changed the case since `seen_version`
        (compare-and-set in one UPDATE: of two parallel changes one wins)."""
        cls.objects.get_or_create(sender_id=sender_id)
        return bool(cls.objects.filter(sender_id=sender_id, version=seen_version).update(
            assignee=assignee, assigned_at=at if assignee else None, version=F("version") + 1,
        ))


class WrongAnswer(models.Model):
    """A patient message a staff member reported as answered wrongly (from the
    transcript), so it reaches the review inbox however confident the
    classifier was. A row of its own, not a flag on MessageSummary: the index
    can be rebuilt from Rasa's events, a colleague's report cannot."""

    event_id = models.BigIntegerField(unique=True)
    sender_id = models.CharField(max_length=255, db_index=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reports")
    reported_at = models.DateTimeField(default=timezone.now)

    objects = WrongAnswerQuerySet.as_manager()


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
