"""Every URL of the console. All need a session except the sign-in steps and
healthz (review.middleware.LoginRequired); the admin-only ones say so in their views.
Conversations are named by their label (review/labels.py), never their id."""

from __future__ import annotations

from django.urls import path
from django.views.generic.base import RedirectView

from review.views import (
    admin,
    api,
    auth,
    conversations,
    followups,
    inbox,
    insights,
    knowledge,
    two_factor,
)

app_name = "review"

urlpatterns = [
    path("healthz", auth.healthz, name="healthz"),
    path("login", auth.login_view, name="login"),
    path("login/code", two_factor.login_code, name="login_code"),
    path("login/two-step", two_factor.login_setup, name="login_setup"),
    path("login/two-step/qr.svg", two_factor.login_setup_qr, name="login_setup_qr"),
    path("logout", auth.logout_view, name="logout"),
    path("password", auth.password_change, name="password"),
    path("session/keep-alive", auth.keep_alive, name="keep_alive"),
    path("account/two-step", two_factor.account, name="two_factor"),
    path("account/two-step/qr.svg", two_factor.account_qr, name="two_factor_qr"),
    path("", RedirectView.as_view(pattern_name="review:conversations"), name="home"),
    path("conversations/", conversations.conversation_list, name="conversations"),
    path("conversations/<str:label>/", conversations.transcript, name="transcript"),
    path("conversations/<str:label>/reveal", conversations.reveal, name="reveal"),
    path("conversations/<str:label>/revealed", conversations.revealed, name="revealed"),
    path("conversations/<str:label>/hide", conversations.hide, name="hide"),
    path("conversations/<str:label>/number", conversations.show_number, name="show_number"),
    path("conversations/<str:label>/messages/<int:event_id>/wrong-answer",
         inbox.report_wrong_answer, name="report_wrong_answer"),
    path("conversations/<str:label>/delete", conversations.delete, name="delete"),
    path("export", conversations.export, name="export"),
    path("followups/", followups.queue, name="followups"),
    path("followups/<str:label>/done", followups.mark_done, name="followup_done"),
    path("followups/<str:label>/assign", followups.assign, name="followup_assign"),
    path("review/", inbox.inbox, name="inbox"),
    path("review/<int:event_id>", inbox.correct, name="correct"),
    path("insights/", insights.insights, name="insights"),
    path("knowledge/", knowledge.entries, name="knowledge"),
    path("knowledge/<slug:entry_id>/", knowledge.entry, name="knowledge_entry"),
    path("knowledge/<slug:entry_id>/sign-off", knowledge.sign_off, name="knowledge_sign_off"),
    path("users/", admin.users, name="users"),
    path("users/<int:pk>/active", admin.set_active, name="user_active"),
    path("users/<int:pk>/password", admin.set_password, name="user_password"),
    path("users/<int:pk>/two-step/reset", admin.reset_two_factor, name="user_two_factor_reset"),
    path("audit/", admin.audit_log, name="audit"),
    path("api/conversations", api.conversation_list, name="api_conversations"),
    path("api/conversations/<str:label>", api.conversation_detail, name="api_conversation"),
]
