# Local defaults for every setting the servers read; each can be overridden by
# exporting the variable first. Sourced by bin/serve and the Makefile's recipes.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export RASA_TELEMETRY_ENABLED=false          # patient conversations: no telemetry
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1  # model weights come from build/, never a hub
export RASA_PORT=${RASA_PORT:-5005}
export ACTION_PORT=${ACTION_PORT:-5055}
# The action server has no authentication: loopback only unless told otherwise.
export ACTION_HOST=${ACTION_HOST:-127.0.0.1}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}
export VAR_DIR=${VAR_DIR:-$ROOT/var}
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-sqlite:///$VAR_DIR/tracker.db}
# Rasa's lock store: empty for one server (in memory); redis://host:6379/0 when
# several Rasa servers share the tracker store (docs/deploy.md).
export LOCK_STORE_URL=${LOCK_STORE_URL:-}
export CLINIC_CONFIG=${CLINIC_CONFIG:-$ROOT/clinic.yml}
export LOG_LEVEL=${LOG_LEVEL:-INFO}
export WEBCHAT_PORT=${WEBCHAT_PORT:-8000}
# Where browsers reach the Rasa server, and which pages may open its socket.
export RASA_PUBLIC_URL=${RASA_PUBLIC_URL:-http://localhost:${RASA_PORT}}
export WEBCHAT_ALLOWED_ORIGINS=${WEBCHAT_ALLOWED_ORIGINS:-http://localhost:${WEBCHAT_PORT},http://127.0.0.1:${WEBCHAT_PORT}}
# RASA_AUTH_TOKEN: when set, Rasa's HTTP API is enabled behind this token
# (scripts/serve_rasa.py hands it to Rasa without a command line argument).
# The largest request the Rasa and action servers read (Sanic's setting; the
# channels' own limits are far lower); a longer one gets 413 unread.
export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-1048576}
# Idle keep-alive connections stay open longer on the servers than on their
# clients (Rasa's action client: aiohttp, 15 s; nginx to Rasa: 60 s), so a
# client never reuses a connection the server is closing ("Cannot write to
# closing transport", a failed action and the clinic's number for the patient).
export SANIC_KEEP_ALIVE_TIMEOUT=${SANIC_KEEP_ALIVE_TIMEOUT:-75}
# CLINIC_ENV: local (default) generates missing keys into VAR_DIR; production
# makes every server refuse to start unless its secrets are set (clinic/keys.py):
# WEBCHAT_SESSION_SECRET, CONSOLE_SECRET_KEY, and with SMS on SMS_ID_SECRET
# and SMS_ENCRYPTION_KEY.
export CLINIC_ENV=${CLINIC_ENV:-local}
# SMS (credentials.yml reads these; off while the first four are empty).
export TWILIO_ACCOUNT_SID=${TWILIO_ACCOUNT_SID:-} TWILIO_AUTH_TOKEN=${TWILIO_AUTH_TOKEN:-}
export TWILIO_NUMBER=${TWILIO_NUMBER:-} SMS_WEBHOOK_URL=${SMS_WEBHOOK_URL:-}
export TWILIO_API_BASE_URL=${TWILIO_API_BASE_URL:-https://api.twilio.com}
export SMS_RATE_LIMIT=${SMS_RATE_LIMIT:-20} SMS_RATE_WINDOW_SECONDS=${SMS_RATE_WINDOW_SECONDS:-600}
export SMS_STORE_URL=${SMS_STORE_URL:-}
export SMS_RETRY_MAX_SECONDS=${SMS_RETRY_MAX_SECONDS:-60} SMS_GIVE_UP_SECONDS=${SMS_GIVE_UP_SECONDS:-3600}
# KB_REVIEW_STRICT=1: the action server refuses to start (and make validate
# fails) while a knowledge-base entry lacks a clinician's sign-off as it stands;
# off, they are listed as warnings (clinic/kb_review.py).
export KB_REVIEW_STRICT=${KB_REVIEW_STRICT:-0}
# Staff console (console/): its port, its own database, and how long
# conversations are kept (make purge). CONSOLE_SECRET_KEY is generated into
# VAR_DIR when unset; set it (and CONSOLE_ALLOWED_HOSTS) in production.
export CONSOLE_PORT=${CONSOLE_PORT:-8001}
export CONSOLE_DATABASE_URL=${CONSOLE_DATABASE_URL:-sqlite:///$VAR_DIR/console.db}
export RETENTION_DAYS=${RETENTION_DAYS:-180}
