"""Admin pages: staff accounts and the audit log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from review import audit, labels, throttle, two_factor
from review.forms import NewUserForm
from review.models import AuditEntry, User
from review.views.access import admin_required, paginate, query_without_page

ACTIONS = [
    "login",
    "login_failed",
    "login_throttled",
    "login_code_failed",
    "logout",
    "password_changed",
    "search",
    "password_change_failed",
    "view_transcript",
    "reveal",
    "reveal_callback_number",
    "export",
    "correction",
    "follow_up_assigned",
    "follow_up_done",
    "delete_conversation",
    "purge",
    "user_created",
    "user_updated",
    "user_activated",
    "user_deactivated",
    "user_password_set",
    "two_factor_enabled",
    "two_factor_reset",
    "knowledge_reviewed",
]


@require_http_methods(["GET", "POST"])
@admin_required
def users(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.create_user(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"],
            role=form.cleaned_data["role"],
        )
        audit.record("user_created", request, username=user.username, role=user.role)
        messages.success(request, f"Created {user.username} ({user.role}).")
        return redirect("review:users")
    return render(request, "review/users.html", {
        "form": form, "users": two_factor.with_status(User.objects.order_by("username")),
    }, status=400 if form.errors else 200)


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
@admin_required
def set_password(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin sets a new password for someone who forgot theirs: it signs out
    their sessions and clears their failed sign-ins (audited)."""
    user = get_object_or_404(User, pk=pk)
    if user == request.user:
        return redirect("review:password")  # one's own needs the current password
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        throttle.clear(user.username)
        audit.record("user_password_set", request, username=user.username)
        messages.success(
            request, f"New password set for {user.username}. Tell them in person or by phone."
        )
        return redirect("review:users")
    return render(request, "review/set_password.html", {"form": form, "target": user},
                  status=400 if form.errors else 200)


@require_POST
@admin_required
def reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """For a colleague who lost their phone (audited): an admin sets up a new
    authenticator at their next sign-in, and their open sessions end; staff
    sign in with their password alone until they turn it on again."""
    user = get_object_or_404(User, pk=pk)
    if user == request.user:
        messages.error(request, "Set up your own authenticator again from Two-step sign-in.")
        return redirect("review:users")
    two_factor.reset(user)
    audit.record("two_factor_reset", request, username=user.username)
    messages.success(request, f"Two-step sign-in reset for {user.username}.")
    return redirect("review:users")


@require_POST
@admin_required
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    if user == request.user:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect("review:users")
    user.is_active = request.POST.get("active") == "1"
    user.save(update_fields=["is_active"])
    audit.record(
        "user_activated" if user.is_active else "user_deactivated", request, username=user.username
    )
    messages.success(
        request, f"{user.username} is now {'active' if user.is_active else 'deactivated'}."
    )
    return redirect("review:users")


class AuditFilter(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Any")] + [(a, a) for a in ACTIONS], required=False, label="Action"
    )
    conversation = forms.CharField(
        required=False,
        max_length=255,
        label="Conversation",
        help_text="Its label, or the conversation id a patient gave you.",
    )


@require_GET
@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    entries = AuditEntry.objects.all()
    params = {}
    if form.is_valid():
        params = {k: v for k, v in form.cleaned_data.items() if v}
        named = params.get("conversation", "").strip()
        if named and not labels.is_label(named):
            named = labels.label_of(named)  # the conversation id a patient gave
        entries = entries.matching(action=params.get("action", ""), conversation=named)
    return render(request, "review/audit.html", {
        "form": form, "page": paginate(request, entries), "query": query_without_page(params),
    })
