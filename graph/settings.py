"""Every setting the service reads, from the environment (pydantic-settings).

The README lists each one with its default; keep the two in step.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL is started with its data under DATA_DIR.",
    )
    data_dir: Path = Path(".data")

    pool_min_size: int = Field(default=2, ge=0)
    pool_max_size: int = Field(default=10, ge=1)
    pool_acquire_timeout: float = Field(default=5.0, gt=0, description="Seconds to wait for a free connection.")
    command_timeout: float = Field(default=10.0, gt=0, description="Seconds one SQL statement may run.")
    statement_cache_size: int = Field(
        default=1024, ge=0, description="asyncpg prepared-statement cache; 0 behind PgBouncer (transaction mode)."
    )

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, description="Worker processes of `serve` (its --workers wins).")
    graphiql: bool | None = Field(default=None, description="Serve GraphiQL; unset: on in development only.")

    persisted_queries: Literal["automatic", "allowlist", "off"] = Field(
        default="automatic",
        description="automatic: APQ as Apollo and urql send them; allowlist: only registered hashes run; off.",
    )
    cache_max_age: int = Field(default=60, ge=0, description="max-age of anonymous GET responses, seconds.")
    batching: bool = Field(default=False, description="Accept a JSON array of operations in one POST.")
    batch_max_size: int = Field(default=10, ge=1)

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_variables: bool = Field(
        default=False, description="Put each operation's variables in its log line (passwords and tokens redacted)."
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    tracing: Literal["off", "otlp", "console"] = Field(
        default="off",
        description="OpenTelemetry spans per operation and SQL statement: otlp (OTEL_EXPORTER_OTLP_* env), console.",
    )

    jwt_secret: SecretStr | None = None
    jwt_lifetime_seconds: int = Field(default=14 * 24 * 3600, gt=0)

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.environment == "development"

    def require_database_url(self) -> str:
        """The configured URL, or the embedded server's (started on first use)."""
        if self.database_url:
            return self.database_url
        from db.embedded import embedded_database_url

        return embedded_database_url(self.data_dir)
