"""Settings of the staff console, every one from the environment.

bin/settings.sh holds the local defaults; these are safe without it: DEBUG
off, a secret key generated once into VAR_DIR (0600) when CONSOLE_SECRET_KEY
is unset in local mode (with CLINIC_ENV=production the console and every
manage.py command refuse to start without it, see clinic/keys.py), Argon2
password hashing, HttpOnly SameSite=Lax cookies (Secure over HTTPS, see
review.middleware), CSRF on every POST and a Content-Security-Policy of
'self' only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from clinic import keys
from clinic_console.dburl import database_config

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIR = ROOT / "console"
VAR_DIR = keys.var_dir()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str) -> list:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


def secret_key() -> str:
    """CONSOLE_SECRET_KEY; in local mode, else a key generated once into VAR_DIR."""
    return keys.local_key(
        "CONSOLE_SECRET_KEY", "console-secret-key", lambda: secrets.token_urlsafe(50).encode()
    ).decode()


def local_time_zone() -> str:
    """CONSOLE_TIME_ZONE, else the machine's zone: staff read times in clinic time."""
    configured = os.environ.get("CONSOLE_TIME_ZONE", "").strip()
    if configured:
        return configured
    try:
        import tzlocal

        return tzlocal.get_localzone_name() or "UTC"
    except Exception:  # no zone configured on the machine
        return "UTC"


keys.refuse_to_start_without_secrets("console")
SECRET_KEY = secret_key()
DEBUG = env_flag("CONSOLE_DEBUG")
ALLOWED_HOSTS = env_list("CONSOLE_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CONSOLE_CSRF_TRUSTED_ORIGINS", "")
# Behind a TLS proxy (CONSOLE_BEHIND_HTTPS_PROXY=1), waitress takes the scheme
# and client address from the proxy's X-Forwarded-Proto/-For (console/serve.py);
# Django then sees https in wsgi.url_scheme. Without it the headers are dropped.

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "review",
]

MIDDLEWARE = [
    # First in the list, so it sees every response last (and every cookie).
    "review.middleware.SecurityHeaders",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): did this session pass a second factor?
    "django_otp.middleware.OTPMiddleware",
    "review.middleware.SecondFactorRequired",
    # Default deny: every view needs a session unless marked login_not_required.
    "review.middleware.LoginRequired",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clinic_console.urls"
WSGI_APPLICATION = "clinic_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "review.context.console",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        os.environ.get("CONSOLE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'console.db'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "review.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "review:login"
LOGIN_REDIRECT_URL = "review:conversations"


def totp_issuer(device) -> str:
    """The name authenticator apps show beside the console's codes."""
    from review.context import clinic_name

    return f"{clinic_name()} staff console"


# Two-step sign-in (review/two_factor.py): django-otp's defaults otherwise (30 s
# steps, one step of drift, wrong codes wait 1, 2, 4 ... s).
OTP_TOTP_ISSUER = totp_issuer

# Sessions: server-side rows, idle timeout (renewed on each request), gone
# when the browser closes (shared computers at a front desk).
# Flash messages in the session, not in a cookie of their own (which would
# not get the session cookie's Secure flag).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_NAME = "console_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("CONSOLE_SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_NAME = "console_csrftoken"
CSRF_COOKIE_HTTPONLY = True  # no script reads it: there are no scripts
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "review.views.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on
# form posts, which Django's CSRF check (rightly) refuses.
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = local_time_zone()
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# One style sheet: whitenoise serves it from the app's static folder, so no
# collectstatic step is needed.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("CONSOLE_LOG_LEVEL", "INFO")},
}

# ---- the console's own settings -------------------------------------------------------------
# Rasa's tracker store (read; written only by the audited purge and deletion).
TRACKER_STORE_URL = os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}"
# The SMS channel's tables (opt-outs, encrypted call-back numbers), beside Rasa's.
SMS_STORE_URL = os.environ.get("SMS_STORE_URL") or TRACKER_STORE_URL
SMS_ENCRYPTION_KEY_FILE = VAR_DIR / "sms-encryption-key"  # local mode only
CLINIC_CONFIG = Path(os.environ.get("CLINIC_CONFIG") or ROOT / "clinic.yml")
NLU_DATA_DIR = ROOT / "data" / "nlu"
REVIEWED_NLU_FILE = Path(os.environ.get("CONSOLE_REVIEWED_NLU") or NLU_DATA_DIR / "reviewed.yml")
RETENTION_DAYS = env_int("RETENTION_DAYS", 180)
LOW_CONFIDENCE = 0.5
PAGE_SIZE = 50
# Sign-in throttling (review/throttle.py): back-off after failures, never a lock.
THROTTLE_FREE_FAILURES = env_int("CONSOLE_THROTTLE_FREE_FAILURES", 5)  # per account at one address
THROTTLE_ADDRESS_FREE_FAILURES = env_int("CONSOLE_THROTTLE_ADDRESS_FREE_FAILURES", 20)
THROTTLE_BASE_SECONDS = env_int("CONSOLE_THROTTLE_BASE_SECONDS", 1)  # then doubled per failure
THROTTLE_MAX_SECONDS = env_int("CONSOLE_THROTTLE_MAX_SECONDS", 900)
THROTTLE_FORGET_HOURS = env_int("CONSOLE_THROTTLE_FORGET_HOURS", 24)
# Repeated failures from one address collapse into one audit entry per this window.
AUDIT_REPEAT_MINUTES = env_int("CONSOLE_AUDIT_REPEAT_MINUTES", 60)


def label_key() -> str:
    """CONSOLE_LABEL_KEY; in local mode, else a key generated once into VAR_DIR.

    Not Django's secret key: that one may be rotated (it signs sessions), while
    this one must stay the same for the labels in the audit log to keep
    naming the same conversations.
    """
    return keys.local_key(
        "CONSOLE_LABEL_KEY", "console-label-key", lambda: secrets.token_urlsafe(32).encode()
    ).decode()


# Staff see conversations by a keyed label, never by their id (review/labels.py).
LABEL_KEY = label_key()
