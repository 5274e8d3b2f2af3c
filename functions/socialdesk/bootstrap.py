"""Composition root: settings, clients and adapters wired once per execution environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from socialdesk.common import clients
from socialdesk.common.settings import Settings

if TYPE_CHECKING:
    from socialdesk.dal.ports import MentionRepository, RawPayloadArchive, SecretSource


@dataclass(frozen=True)
class Services:
    """The adapters a handler works with."""

    settings: Settings
    mentions: MentionRepository
    archive: RawPayloadArchive
    secrets: SecretSource


@cache
def services() -> Services:
    """Build the adapters on first use (boto3 is imported here, not at module import)."""
    from socialdesk.dal.mentions import DynamoMentionRepository
    from socialdesk.dal.raw_archive import S3RawPayloadArchive
    from socialdesk.dal.secrets import SsmSecretSource

    settings = Settings.from_env()
    return Services(
        settings=settings,
        mentions=DynamoMentionRepository(clients.client("dynamodb"), settings.table_name),
        archive=S3RawPayloadArchive(clients.client("s3"), settings.raw_payload_bucket),
        secrets=SsmSecretSource(
            clients.client("ssm"), settings.secrets_prefix, settings.secret_cache_seconds
        ),
    )


def reset() -> None:
    """Forget adapters, clients and cached secrets (tests and the local runtime call this)."""
    services.cache_clear()
    clients.reset()
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
