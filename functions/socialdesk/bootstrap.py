"""Composition root: settings, clients and adapters wired once per execution environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from socialdesk.common import clients
from socialdesk.common.settings import Settings

if TYPE_CHECKING:
    from socialdesk.dal.config import DynamoPolicyStore
    from socialdesk.dal.ports import MentionRepository, RawPayloadArchive, SecretSource
    from socialdesk.dal.surge import DynamoSurgeCounter
    from socialdesk.dal.tickets import DynamoTicketRepository


@dataclass(frozen=True)
class Services:
    """The adapters a handler works with."""

    settings: Settings
    mentions: MentionRepository
    archive: RawPayloadArchive
    secrets: SecretSource

    @property
    def tickets(self) -> DynamoTicketRepository:
        """Tickets, thread links and audit events."""
        return _routing(self.settings)[0]

    @property
    def surge(self) -> DynamoSurgeCounter:
        """Surge counters and incidents."""
        return _routing(self.settings)[1]

    @property
    def policies(self) -> DynamoPolicyStore:
        """The routing policy (rules as data)."""
        return _routing(self.settings)[2]


@cache
def _routing(settings: Settings) -> tuple[DynamoTicketRepository, DynamoSurgeCounter, DynamoPolicyStore]:
    from socialdesk.dal.config import DynamoPolicyStore
    from socialdesk.dal.surge import DynamoSurgeCounter
    from socialdesk.dal.tickets import DynamoTicketRepository

    dynamodb = clients.client("dynamodb")
    return (
        DynamoTicketRepository(dynamodb, settings.table_name),
        DynamoSurgeCounter(dynamodb, settings.table_name),
        DynamoPolicyStore(
            dynamodb, settings.table_name, settings.routing_policy_seed, settings.policy_cache_seconds
        ),
    )


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
    _routing.cache_clear()
    clients.reset()
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
