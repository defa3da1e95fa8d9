"""Every setting the service reads, from the environment (pydantic-settings).

docs/settings.md is rendered from these fields and their descriptions
(`python -m graph export-schema`; `--check` and a test fail when it is stale).
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: Literal["development", "production"] = Field(
        default="development",
        description="production turns GraphiQL and introspection off by default and requires JWT_SECRET.",
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL is started with its data under DATA_DIR.",
    )
    data_dir: Path = Field(
        default=Path(".data"),
        description="The embedded PostgreSQL's data and the generated development JWT secret.",
    )

    replica_database_urls: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Comma-separated URLs of PostgreSQL streaming replicas of DATABASE_URL. Queries go to the least "
        "busy one that is up and within REPLICA_MAX_LAG_SECONDS; mutations, their payloads, subscriptions and the "
        "listener stay on DATABASE_URL. Empty: everything on DATABASE_URL (docs/replicas.md).",
    )
    replica_max_lag_seconds: float = Field(
        default=5.0,
        gt=0,
        description="A replica whose replay is further behind the primary than this is out of rotation until it "
        "catches up (a client sending X-WAL-Position is served by a replica only once it replayed that far).",
    )
    replica_check_interval: float = Field(
        default=1.0,
        gt=0,
        description="Seconds between checks of every pool's state and lag (replicas out come back at a check).",
    )
    replica_check_timeout: float = Field(
        default=2.0, gt=0, description="Seconds a pool's check may take before the pool counts as down."
    )

    pool_min_size: int = Field(default=2, ge=0, description="Connections the pool keeps open.")
    pool_max_size: int = Field(default=10, ge=1, description="Most connections the pool opens (per worker process).")
    pool_acquire_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a free connection before SERVICE_UNAVAILABLE."
    )
    command_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds one SQL statement may run (asyncpg's clock: it cancels the query, "
        "the connection stays usable).",
    )
    statement_timeout: float | None = Field(
        default=None,
        ge=0,
        description="PostgreSQL's own statement_timeout in seconds, sent as a startup parameter; "
        "unset: COMMAND_TIMEOUT; 0: not sent (required behind PgBouncer).",
    )
    statement_cache_size: int = Field(
        default=1024, ge=0, description="asyncpg prepared-statement cache; 0 behind PgBouncer (transaction mode)."
    )

    host: str = Field(default="127.0.0.1", description="Where `serve` and `start` listen (their --host wins).")
    port: int = Field(default=8000, ge=1, le=65535, description="The port `serve` and `start` listen on (--port wins).")
    shutdown_timeout: float = Field(
        default=10.0, gt=0, description="On SIGTERM, seconds in-flight requests get to finish before being cancelled."
    )
    workers: int = Field(
        default=1, ge=1, description="Worker processes of `serve` (its --workers wins); the Docker image sets 2."
    )
    max_request_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body, bytes (Content-Length, or counted while it streams): 413 beyond.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest total of a request's header names and values, bytes: 431 beyond.",
    )
    hsts_max_age: int = Field(
        default=31536000,
        ge=0,
        description="max-age of Strict-Transport-Security, sent in production on HTTPS requests only; 0: never sent.",
    )

    graphiql: bool | None = Field(default=None, description="Serve GraphiQL; unset: on in development only.")

    persisted_queries: Literal["automatic", "allowlist", "off"] = Field(
        default="automatic",
        description="automatic: APQ as Apollo and urql send them; allowlist: only registered hashes run; off.",
    )
    planned_execution: bool = Field(
        default=True, description="Serve the queries the planner understands without per-field resolution."
    )
    cache_max_age: int = Field(default=60, ge=0, description="max-age of anonymous GET responses, seconds.")
    batching: bool = Field(default=False, description="Accept a JSON array of operations in one POST.")
    batch_max_size: int = Field(default=10, ge=1, description="Most operations in one batch.")

    introspection: bool | None = Field(
        default=None,
        description="Schema introspection; unset: on in development only. Off, errors carry no 'Did you mean' hints.",
    )
    max_query_length: int = Field(
        default=20_000,
        ge=1,
        description="Longest GraphQL document, in characters (checked before parsing and before an APQ is stored).",
    )
    max_query_tokens: int = Field(
        default=2_000, ge=1, description="Most lexical tokens (and comments) in a document; the lexer stops there."
    )
    max_query_depth: int = Field(
        default=15, ge=1, description="Deepest field nesting, through fragments (the full introspection query is 15)."
    )
    max_query_aliases: int = Field(default=20, ge=0, description="Most aliased fields in a document.")
    max_query_field_repeats: int = Field(
        default=20, ge=1, description="Most times one field (response key) occurs in one selection set."
    )
    max_query_fields: int = Field(
        default=1_000, ge=1, description="Most fields in an operation with its fragments expanded (not times rows)."
    )
    max_query_directives: int = Field(default=20, ge=0, description="Most directives in a document.")
    max_query_cost: int = Field(
        default=20_000, ge=1, description="Most objects an operation may ask for (see docs/security.md)."
    )

    csrf_prevention: bool = Field(
        default=True, description="Refuse POSTs a browser sends cross-origin without a preflight (Apollo's rule)."
    )
    csrf_prevention_get: bool = Field(
        default=False,
        description="Apply the same rule to GET, as Apollo Server does; for cookie authentication added in front.",
    )
    csrf_prevention_headers: str = Field(
        default="x-apollo-operation-name,apollo-require-preflight",
        description="Comma-separated headers any of which (non-empty) lets a request without a JSON Content-Type in.",
    )

    login_attempts_per_account: int = Field(
        default=10,
        ge=1,
        description="Login attempts per email, from any address, before each further one must wait "
        "LOGIN_DELAY_SECONDS, doubling, since the last one (never a lockout).",
    )
    login_attempts_per_account_address: int = Field(
        default=10,
        ge=1,
        description="Login attempts per email from one client address per window (a success clears it).",
    )
    login_attempts_per_address: int = Field(
        default=100, ge=1, description="Login attempts per client address per window, whatever the email."
    )
    login_attempt_window_seconds: int = Field(
        default=900,
        ge=1,
        description="Seconds: the fixed window of the address limits; an account's count is forgotten "
        "this long after its last attempt.",
    )
    login_delay_seconds: float = Field(
        default=1.0, gt=0, description="Seconds: the first wait once an account is past LOGIN_ATTEMPTS_PER_ACCOUNT."
    )
    login_max_delay_seconds: float = Field(
        default=30.0, gt=0, description="Seconds: the longest wait between attempts on one account."
    )
    registrations_per_address: int = Field(
        default=10, ge=1, description="`register` calls per client address per REGISTRATION_WINDOW_SECONDS."
    )
    registration_window_seconds: int = Field(
        default=3600, ge=1, description="Seconds: the fixed window of the registration limit."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated proxy addresses or networks whose X-Forwarded-For is believed; "
        "empty: the TCP peer is the client.",
    )

    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Level of our loggers and uvicorn's."
    )
    log_variables: bool = Field(
        default=False,
        description="Put each operation's variables in its log line (whatever feeds a password, and variables "
        "the operation does not declare, are redacted).",
    )
    metrics: bool = Field(
        default=True, description="Serve Prometheus metrics at /metrics (false: 404 and nothing recorded)."
    )
    path_counts_report: Path | None = Field(
        default=None,
        description="At shutdown, append one JSON line to this file: operations by the path that answered them, "
        "and the documents the general path answered (for test runs; docs/operating.md, Metrics).",
    )
    tracing: Literal["off", "otlp", "console"] = Field(
        default="off",
        description="OpenTelemetry spans per operation and SQL statement: otlp (OTEL_EXPORTER_OTLP_* env), console.",
    )

    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Comma-separated browser origins allowed by CORS and for WebSocket handshakes (* for any); "
        "development also allows localhost, 127.0.0.1 and [::1] on any port.",
    )
    ws_max_connections: int = Field(
        default=1000,
        ge=1,
        description="Open WebSockets per process; beyond it a handshake is closed with 1013 (try again later).",
    )
    ws_max_subscriptions: int = Field(
        default=20,
        ge=1,
        description="Operations in flight per WebSocket; beyond it a subscribe gets an error message with BAD_REQUEST.",
    )
    ws_max_message_bytes: int = Field(
        default=65536,
        ge=1024,
        description="Largest WebSocket message `serve` accepts, bytes (uvicorn closes with 1009).",
    )
    ws_init_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a socket may take to send connection_init (then it is closed with 4408).",
    )
    listener_database_url: str | None = Field(
        default=None,
        description="Where the LISTEN connection for subscriptions goes; unset: DATABASE_URL. Behind PgBouncer, "
        "point it at PostgreSQL itself (LISTEN needs a session of its own).",
    )
    listener_reconnect_delay: float = Field(
        default=0.05,
        gt=0,
        description="First wait in seconds (doubling up to 5, with jitter) before the lost LISTEN connection "
        "reconnects.",
    )
    subscription_buffer: int = Field(
        default=1000,
        ge=1,
        description="Events a slow subscriber may have waiting; beyond it the subscription ends with "
        "SERVICE_UNAVAILABLE (subscribe again) instead of skipping events.",
    )

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="At least 32 bytes. Unset in development: generated once into DATA_DIR/jwt_secret (mode 0600). "
        "Unset in production: the server refuses to start.",
    )
    jwt_lifetime_seconds: int = Field(
        default=14 * 24 * 3600, gt=0, description="How long a token is valid, seconds (14 days)."
    )

    @field_validator("allowed_origins", "replica_database_urls", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.environment == "development"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.environment == "development"

    @property
    def csrf_preflight_headers(self) -> tuple[str, ...]:
        return _header_names(self.csrf_prevention_headers)

    @property
    def server_statement_timeout(self) -> float:
        return self.command_timeout if self.statement_timeout is None else self.statement_timeout

    def require_database_url(self) -> str:
        """The configured URL, or the embedded server's (started on first use)."""
        if self.database_url:
            return self.database_url
        from db.embedded import embedded_database_url

        return embedded_database_url(self.data_dir)


@lru_cache(maxsize=16)
def _header_names(names: str) -> tuple[str, ...]:
    """`A, b` as ("a", "b"): read on every request, parsed once."""
    return tuple(name.strip().lower() for name in names.split(",") if name.strip())
