"""Configuration: one validated model read from the environment at handler entry."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pydantic import ConfigDict, Field, field_validator

from socialdesk.domain.model import Model

#: Meta batches up to 1000 updates; 4 MiB stays under Lambda's 6 MB synchronous payload limit
#: even after API Gateway base64-encodes the body (x 4/3).
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
#: a generic source name, as in ``/webhooks/generic/{source}``
GENERIC_SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class Settings(Model):
    """Everything a handler needs to know about its deployment."""

    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    raw_payload_bucket: str = Field(min_length=3)
    #: days an archived raw payload is kept (``RawPayloadRetentionDays``)
    raw_payload_retention_days: int = Field(default=30, ge=0, le=3650)
    secrets_prefix: str = Field(default="/socialdesk/dev", pattern=r"^/[A-Za-z0-9_./-]+$")
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024, le=6 * 1024 * 1024)
    secret_cache_seconds: int = Field(default=300, ge=0, le=3600)
    ingest_workers: int = Field(default=16, ge=1, le=64)
    route_state_machine_arn: str | None = None
    ticket_events_topic_arn: str | None = None
    routing_policy_seed: str = Field(default="default", pattern=r"^[a-z0-9_-]+$")
    policy_cache_seconds: float = Field(default=60, ge=0, le=3600)
    outbound_retry_queue_url: str | None = None
    #: where published routing model versions live (None: Classify uses the packaged model only)
    model_bucket: str | None = None
    model_cache_seconds: float = Field(default=300, ge=0, le=86400)
    #: a sweep pass over the table starts at most this often (``SweepPassHours``)
    sweep_pass_hours: float = Field(default=24, gt=0, le=24 * 31)
    x_api_base_url: str = "https://api.x.com"
    outbound_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    meta_graph_base_url: str = "https://graph.facebook.com/v21.0"
    #: the generic sources this stack accepts (``GENERIC_SOURCES``, comma-separated; the
    #: ``GenericSources`` parameter): any other source is refused before a secret is looked up
    generic_sources: frozenset[str] = frozenset()

    @field_validator("generic_sources", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [name.strip() for name in value.split(",") if name.strip()]
        if isinstance(value, list | tuple | set | frozenset):
            pattern = re.compile(GENERIC_SOURCE_PATTERN)
            bad = sorted(str(name) for name in value if not pattern.match(str(name)))
            if bad:
                raise ValueError(f"generic source names must match {GENERIC_SOURCE_PATTERN}: {bad}")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build the settings from environment variables (``TABLE_NAME``, ``RAW_PAYLOAD_BUCKET``...)."""
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for field in cls.model_fields:
            name = field.upper()
            if name in env and env[name] != "":
                values[field] = env[name]
        return cls.model_validate(values)
