"""Settings, read from the environment (12-factor).

- Development default: SQLite under ``./var`` and ``DEBUG`` on, so a fresh clone just runs.
- Production profile: ``PTDV_PROFILE=production`` turns every ``check --deploy`` setting on and
  requires ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL`` (see docs/deployment.md).
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

PROFILE = env.str("PTDV_PROFILE", default="development")
if PROFILE not in {"development", "production", "test"}:
    raise ImproperlyConfigured("PTDV_PROFILE must be development, production or test")
PRODUCTION = PROFILE == "production"

VAR_DIR = Path(env.str("PTDV_VAR_DIR", default=str(Path.cwd() / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # raises ImproperlyConfigured when missing
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # Only for development and tests; production refuses to start without its own key.
    SECRET_KEY = env.str(
        "SECRET_KEY", default="ptdv-development-key-not-for-production-use-0123456789"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "auditlog",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files (no CDN)
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS and JS as static files
    "django_tasks",
    "django_tasks_db",
    # Multi-factor login (ptdv/accounts/mfa.py): django-otp's TOTP devices and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ptdv.accounts",
    "ptdv.org",
    "ptdv.people",
    "ptdv.pipeline",
    "ptdv.members",
    "ptdv.reports",
    "ptdv.backup",
    "ptdv.dossier",
    "ptdv.imports",
    "ptdv.privacy",  # the read log and the data protection officer's page
    "ptdv.retention",  # anonymising the records of people never admitted
    "ptdv.subjects",  # the requests register and the breach register
    "ptdv.inventory",  # the processing inventory, .docx and .xlsx
    "ptdv.handoff",  # the hand-off to the national party-member database
    "ptdv.reminders",  # the e-mail digest and the calendar feed of deadlines
    "ptdv.web",
    "ptdv.api",  # the REST API (Django REST framework, drf-spectacular)
    "ptdv.demo",
]

# Background work (imports): django-tasks with its database backend, so no other server is
# needed; `ptdv worker` (started by `ptdv serve` in development) runs the queued tasks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their caching and get no Content-Security-Policy.
    "ptdv.web.middleware.PrivateResponseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language the user chose (cookie), else Vietnamese: never the browser's Accept-Language.
    "ptdv.web.language.LanguageMiddleware",
    # With DEBUG on: the site's 404 and 500 pages, unless PTDV_DEBUG_PAGES (ptdv.web.errors).
    "ptdv.web.errors.ErrorPagesMiddleware",
    # Before anything reads the session, the user or the database with the request's input.
    "ptdv.web.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ptdv.accounts.middleware.SessionTimeoutMiddleware",
    # Multi-factor login: a session that has not passed the second factor goes no further.
    "ptdv.accounts.middleware.MfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The data protection officer does not open individuals' records.
    "ptdv.privacy.officer.OfficerMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ptdv.urls"
WSGI_APPLICATION = "ptdv.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

if PRODUCTION:
    DATABASES = {"default": env.db_url("DATABASE_URL")}  # required: no SQLite in production
else:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ptdv.sqlite3'}")
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and a command share the file. In WAL mode,
    # synchronous=NORMAL syncs the disk at checkpoints rather than at every commit (SQLite's own
    # advice for WAL): the file stays consistent whatever happens; a power cut may lose the last
    # commits, not an application crash. Each read-log entry is its own commit (docs/benchmarks.md).
    # A transaction takes the write lock when it begins (IMMEDIATE): a write that started as a
    # read would otherwise fail at once with "database is locked" when another process had
    # written meanwhile, the busy timeout not applying to that upgrade (seen with two server
    # processes recording steps at once; Django's documentation of the SQLite options).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Passwords: Argon2id with RFC 9106's parameters, at most PTDV_PASSWORD_HASH_CONCURRENCY hashes
# at a time per process, waiting at most PTDV_PASSWORD_HASH_WAIT_SECONDS for a turn, then "server
# busy" (ptdv/accounts/hashers.py). PBKDF2 only reads hashes made before Argon2.
PASSWORD_HASHERS = [
    "ptdv.accounts.hashers.Argon2PasswordHasher",
    "ptdv.accounts.hashers.PBKDF2PasswordHasher",
]
PTDV_PASSWORD_HASH_CONCURRENCY = env.int("PTDV_PASSWORD_HASH_CONCURRENCY", default=2)
PTDV_PASSWORD_HASH_WAIT_SECONDS = env.float("PTDV_PASSWORD_HASH_WAIT_SECONDS", default=10.0)
PTDV_PASSWORD_MIN_LENGTH = env.int("PTDV_PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "ptdv.accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "ptdv.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "ptdv.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "ptdv.accounts.passwords.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's second-factor device with the user (MFA).
    "ptdv.accounts.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, ptdv/accounts/throttling.py): 5 failures of one username from
# one address, or 20 failures from one address whatever the usernames, lock that pair or that
# address out for 15 minutes. Attempts while locked out are not recorded (the lock ends 15
# minutes after the last counted failure, and the records stay bounded).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
PTDV_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("PTDV_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "ptdv.accounts.throttling.LoginThrottleHandler"
AXES_USERNAME_CALLABLE = "ptdv.accounts.throttling.client_username"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ptdv.accounts.throttling.lockout_response"

# Sessions end after PTDV_SESSION_IDLE_MINUTES without a request and PTDV_SESSION_MAX_HOURS after
# the login (ptdv/accounts/middleware.py), and when the browser closes.
PTDV_SESSION_IDLE_MINUTES = env.int("PTDV_SESSION_IDLE_MINUTES", default=30)
PTDV_SESSION_MAX_HOURS = env.int("PTDV_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = PTDV_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Multi-factor login (ptdv/accounts/mfa.py, docs/deployment.md "Multi-factor login"): a code from
# an authenticator app (TOTP) or a recovery code after the password. Required of the roles of
# PTDV_MFA_REQUIRED_ROLES (role values, comma-separated), of everyone with
# PTDV_MFA_REQUIRED_FOR_ALL; optional for the others. No profile turns it off.
PTDV_MFA_REQUIRED_ROLES = env.list(
    "PTDV_MFA_REQUIRED_ROLES", default=["admin", "committee", "grassroots", "privacy"]
)
PTDV_MFA_REQUIRED_FOR_ALL = env.bool("PTDV_MFA_REQUIRED_FOR_ALL", default=False)
# Minutes between the password and the second step (or the enrolment) before logging in again.
PTDV_MFA_STEP_MINUTES = env.int("PTDV_MFA_STEP_MINUTES", default=10)
PTDV_MFA_RECOVERY_CODES = env.int("PTDV_MFA_RECOVERY_CODES", default=10)
# The name the authenticator apps show beside the username.
OTP_TOTP_ISSUER = env.str("PTDV_MFA_ISSUER", default="ptdv")
# django-otp's own throttle: 1, 2, 4, 8… seconds after consecutive wrong codes of one device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# django-axes keeps the posted fields of failed attempts: codes are masked there, like passwords.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "current_code"]

# Request guard (ptdv/web/middleware.py): control characters anywhere, and query parameters
# longer than this, are refused with a 400 page.
PTDV_MAX_QUERY_PARAM_LENGTH = env.int("PTDV_MAX_QUERY_PARAM_LENGTH", default=1000)

# Response headers, in every profile. Scripts only from the site itself (no inline script, no
# eval); styles may be inline, because the reports' charts are SVG with their own <style> and a
# few Bootstrap components (progress bars) size themselves with style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PTDV_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Where ptdv/urls.py mounts the API: under it, the middlewares and error handlers refuse in the
# API's JSON, never with a page or a redirect (ptdv.accounts.json_errors.is_api_request).
PTDV_API_PREFIX = "/api/"
# The largest JSON body the API reads (bytes; larger: 413 before it is read), far above any of
# its writes (ptdv/api/parsers.py).
PTDV_API_MAX_BODY_BYTES = env.int("PTDV_API_MAX_BODY_BYTES", default=256 * 1024)
# The REST API (ptdv/api, docs/api.md): cursor pages, the pages' filters, the OpenAPI schema.
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "ptdv.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "ptdv.api.schema.AutoSchema",
    # JSON bounded in bytes (PTDV_API_MAX_BODY_BYTES) and in depth (ptdv/api/parsers.py); form
    # and multipart bodies keep Django REST framework's parsers.
    "DEFAULT_PARSER_CLASSES": [
        "ptdv.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ptdv.api.parsers.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Personal tokens (Authorization: Bearer ptdv_…) or the site's session, past the second
    # factor (ptdv/api/authentication.py); nothing is open without one of them.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ptdv.api.authentication.BearerTokenAuthentication",
        "ptdv.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Per user (session and tokens together) for reads and writes, per address when not signed
    # in (ptdv/api/throttling.py): "<n>/<sec|min|hour|day>".
    "DEFAULT_THROTTLE_CLASSES": [
        "ptdv.api.throttling.ReadThrottle",
        "ptdv.api.throttling.WriteThrottle",
        "ptdv.api.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": env.str("PTDV_API_RATE_READ", default="120/min"),
        "api_write": env.str("PTDV_API_RATE_WRITE", default="30/min"),
        "api_anon": env.str("PTDV_API_RATE_ANON", default="20/min"),
    },
}
# The API's request counts: a local memory cache counts per process; with several processes or
# servers set a shared one, e.g. PTDV_API_THROTTLE_CACHE_URL=dbcache://ptdv_api_throttle (then
# `ptdv manage createcachetable`), see docs/api.md. The tests count nothing unless a test asks.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api_throttle": env.cache_url(
        "PTDV_API_THROTTLE_CACHE_URL",
        default="dummycache://" if PROFILE == "test" else "locmemcache://ptdv-api-throttle",
    ),
}
PTDV_API_THROTTLE_CACHE = "api_throttle"
SPECTACULAR_SETTINGS = {
    "TITLE": "API của ptdv",
    "DESCRIPTION": (
        "Đọc và ghi dữ liệu phát triển đảng viên của ptdv từ phần mềm khác, trong phạm vi tổ "
        "chức của người dùng, theo đúng các quy định như trên trang (docs/api.md)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# dd/mm/yyyy dates and Vietnamese number separators (ptdv/formats/vi/formats.py). Grouping is
# asked for where a count is shown (humanize's intcomma: 1.234); never by default, which would
# also group the ids written into links (/ho-so/2.207/).
FORMAT_MODULE_PATH = ["ptdv.formats"]
USE_THOUSAND_SEPARATOR = False
USE_I18N = True
# Django's yellow debug pages for a missing page or an uncaught exception, with DEBUG on only;
# off, the demo server shows the site's error pages (ptdv.web.errors).
PTDV_DEBUG_PAGES = env.bool("PTDV_DEBUG_PAGES", default=False)
CSRF_FAILURE_VIEW = "ptdv.web.errors.csrf_failure"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Audit: who, when, what changed and from where (django-auditlog with its middleware).
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Read log: days a read-log entry is kept; `ptdv manage prune_access_log` deletes older.
PTDV_ACCESS_LOG_RETENTION_DAYS = env.int("PTDV_ACCESS_LOG_RETENTION_DAYS", default=730)
# Imports: days after which a run nobody works on loses its uploaded file, its problems and its
# warnings (`ptdv manage prune_imports`, ptdv/imports/pruning.py).
PTDV_IMPORT_KEEP_DAYS = env.int("PTDV_IMPORT_KEEP_DAYS", default=30)
# Read log: on PostgreSQL an entry's commit does not wait for the disk unless this is on.
PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT = env.bool("PTDV_ACCESS_LOG_SYNCHRONOUS_COMMIT", default=False)

# Official days off decreed by the government and working weekend days, added to the
# Vietnamese public holidays of the `holidays` library: ISO dates, comma-separated.
# Retention (ptdv/retention/policy.py): the records of people never admitted
# are anonymised this many years after their outcome (whole years, at least 1).
PTDV_RETENTION_WITHDRAWN_YEARS = env.int("PTDV_RETENTION_WITHDRAWN_YEARS", default=5)
PTDV_RETENTION_REMOVED_YEARS = env.int("PTDV_RETENTION_REMOVED_YEARS", default=5)
PTDV_RETENTION_MOVED_AWAY_YEARS = env.int("PTDV_RETENTION_MOVED_AWAY_YEARS", default=5)
PTDV_RETENTION_DECEASED_YEARS = env.int("PTDV_RETENTION_DECEASED_YEARS", default=5)
PTDV_RETENTION_MERGED_YEARS = env.int("PTDV_RETENTION_MERGED_YEARS", default=1)

PTDV_EXTRA_DAYS_OFF = env.list("PTDV_EXTRA_DAYS_OFF", default=[])
PTDV_EXTRA_WORKING_DAYS = env.list("PTDV_EXTRA_WORKING_DAYS", default=[])

# Requests register and breach register: the legal deadlines are those of
# ptdv/rules/data_protection.py; an installation may replace them, e.g.
# PTDV_SUBJECT_REQUEST_DAYS="acknowledge=2,access=10,deletion=20" (working days), and the hours
# to notify the authority of a breach (docs/data-subjects.md).
PTDV_SUBJECT_REQUEST_DAYS = env.dict("PTDV_SUBJECT_REQUEST_DAYS", default={})
PTDV_BREACH_NOTIFY_HOURS = env.int("PTDV_BREACH_NOTIFY_HOURS", default=None)

# E-mail (the reminders' digest, ptdv/reminders, docs/reminders.md): EMAIL_URL
# (smtp+tls://user:password@host:587) or PTDV_SMTP_HOST/PORT/USER/PASSWORD/TLS; without either the
# development and test profiles print mails on the console, production sends to localhost:25.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("PTDV_SMTP_HOST", default="") or PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("PTDV_SMTP_HOST", default="localhost")
    EMAIL_PORT = env.int("PTDV_SMTP_PORT", default=25)
    EMAIL_HOST_USER = env.str("PTDV_SMTP_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("PTDV_SMTP_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("PTDV_SMTP_TLS", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("PTDV_SMTP_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ptdv <ptdv@localhost>")
# The site's address for the links of mails and calendar feeds (no trailing slash); in
# production by default https:// and the first of ALLOWED_HOSTS.
_SITE_DEFAULT = f"https://{[*ALLOWED_HOSTS, ''][0]}" if PRODUCTION else "http://localhost:8000"
PTDV_SITE_URL = env.str("PTDV_SITE_URL", default=_SITE_DEFAULT).rstrip("/")
# The worker sends the day's reminders from this hour, Vietnam time (0-23; -1: never, for an
# installation that runs `ptdv manage send_reminders` from a timer), each run for at most
# PTDV_REMINDER_RUN_SECONDS.
PTDV_REMINDER_HOUR = env.int("PTDV_REMINDER_HOUR", default=6)
PTDV_REMINDER_RUN_SECONDS = env.int("PTDV_REMINDER_RUN_SECONDS", default=900)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_HTTPONLY = True
    if env.bool("SECURE_HSTS_PRELOAD", default=False) is False:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

if PROFILE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AXES_ENABLED = env.bool("AXES_ENABLED", default=False)

# Log lines never hold a whole identity number: every handler, Django's own loggers'
# included, masks runs of nine or more digits (ptdv.masking.MaskNumbersFilter), so an
# error such as PostgreSQL's "Key (cccd)=(…) already exists" is logged as 001******457. Django's
# default "mail_admins" handler is left out: its mails would carry the traceback's local values.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_numbers": {"()": "ptdv.masking.MaskNumbersFilter"},
        "require_debug_true": {"()": "django.utils.log.RequireDebugTrue"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_numbers"]},
        "console_debug": {
            "class": "logging.StreamHandler",
            "filters": ["require_debug_true", "mask_numbers"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_numbers"],
        },
    },
    "loggers": {
        "django": {"handlers": ["console_debug"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
