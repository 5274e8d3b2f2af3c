"""Composition root: settings, clients and adapters wired once per execution environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from socialdesk.common import clients
from socialdesk.common.settings import Settings

if TYPE_CHECKING:
    from socialdesk.dal.agents import DynamoAgentDirectory
    from socialdesk.dal.canned import DynamoCannedResponses
    from socialdesk.dal.config import DynamoPolicyStore
    from socialdesk.dal.corrections import DynamoCorrectionStore
    from socialdesk.dal.erasures import DynamoErasureRequests
    from socialdesk.dal.incidents import DynamoIncidentRepository
    from socialdesk.dal.notifier import SnsTicketEvents
    from socialdesk.dal.ports import MentionRepository, RawPayloadArchive, SecretSource
    from socialdesk.dal.surge import DynamoSurgeCounter
    from socialdesk.dal.tickets import DynamoTicketRepository
    from socialdesk.logic.assignment import AgentPicker
    from socialdesk.logic.reply_flow import ReplyService
    from socialdesk.logic.route_messages import Router


def _system_clock() -> datetime:
    return datetime.now(UTC)


#: "now" for request-driven actions (replies, resolves); the local demo injects a simulated clock
clock: Callable[[], datetime] = _system_clock


def now() -> datetime:
    """The current time as the composition root sees it."""
    return clock()


@dataclass(frozen=True)
class Services:
    """The adapters a handler works with."""

    settings: Settings
    mentions: MentionRepository
    archive: RawPayloadArchive
    secrets: SecretSource

    @property
    def erasures(self) -> DynamoErasureRequests:
        """Privacy erasure requests."""
        from socialdesk.dal.erasures import DynamoErasureRequests

        return DynamoErasureRequests(clients.client("dynamodb"), self.settings.table_name)

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

    @property
    def incidents(self) -> DynamoIncidentRepository:
        """Incidents (surges)."""
        return _routing(self.settings)[3]

    @property
    def agents(self) -> DynamoAgentDirectory:
        """Team rosters: availability, caps, last assignment."""
        from socialdesk.dal.agents import DynamoAgentDirectory

        return DynamoAgentDirectory(clients.client("dynamodb"), self.settings.table_name)

    @property
    def canned(self) -> DynamoCannedResponses:
        """Teams' canned responses."""
        from socialdesk.dal.canned import DynamoCannedResponses

        return DynamoCannedResponses(clients.client("dynamodb"), self.settings.table_name)

    @property
    def corrections(self) -> DynamoCorrectionStore:
        """Agents' corrections of routed tickets (labelled examples for a refit)."""
        from socialdesk.dal.corrections import DynamoCorrectionStore

        return DynamoCorrectionStore(clients.client("dynamodb"), self.settings.table_name)

    @property
    def publisher(self) -> SnsTicketEvents:
        """The ticket-events topic."""
        from socialdesk.dal.notifier import SnsTicketEvents

        return SnsTicketEvents(clients.client("sns"), self.settings.ticket_events_topic_arn)


@cache
def _routing(
    settings: Settings,
) -> tuple[DynamoTicketRepository, DynamoSurgeCounter, DynamoPolicyStore, DynamoIncidentRepository]:
    from socialdesk.dal.config import DynamoPolicyStore
    from socialdesk.dal.incidents import DynamoIncidentRepository
    from socialdesk.dal.surge import DynamoSurgeCounter
    from socialdesk.dal.tickets import DynamoTicketRepository

    dynamodb = clients.client("dynamodb")
    return (
        DynamoTicketRepository(dynamodb, settings.table_name),
        DynamoSurgeCounter(dynamodb, settings.table_name),
        DynamoPolicyStore(
            dynamodb, settings.table_name, settings.routing_policy_seed, settings.policy_cache_seconds
        ),
        DynamoIncidentRepository(dynamodb, settings.table_name),
    )


def router() -> Router:
    """The routing use case on the DynamoDB adapters, with the current policy."""
    from socialdesk.logic.route_messages import Router

    svc = services()
    return Router(
        tickets=svc.tickets,
        mentions=svc.mentions,
        surge=svc.surge,
        incidents=svc.incidents,
        policy=svc.policies.routing_policy(),
    )


def agent_picker() -> AgentPicker:
    """Assignment (round robin, least-open) on the DynamoDB adapters, with the current policy."""
    from socialdesk.logic.assignment import AgentPicker

    svc = services()
    return AgentPicker(agents=svc.agents, tickets=svc.tickets, policy=svc.policies.routing_policy())


@cache
def services() -> Services:
    """Build the adapters on first use (boto3 is imported here, not at module import)."""
    from socialdesk.dal.mentions import DynamoMentionRepository
    from socialdesk.dal.raw_archive import S3RawPayloadArchive, TableRawPayloadArchive
    from socialdesk.dal.secrets import SsmSecretSource

    settings = Settings.from_env()
    install_model_source(settings)
    return Services(
        settings=settings,
        mentions=DynamoMentionRepository(clients.client("dynamodb"), settings.table_name, clock=now),
        archive=TableRawPayloadArchive(
            clients.client("dynamodb"),
            settings.table_name,
            S3RawPayloadArchive(clients.client("s3"), settings.raw_payload_bucket),
            settings.raw_payload_retention_days,
            clock=now,
        ),
        secrets=SsmSecretSource(
            clients.client("ssm"), settings.secrets_prefix, settings.secret_cache_seconds
        ),
    )


@cache
def idempotency_config() -> Any:
    """Replies: one per (ticket, agent, Idempotency-Key) for 24 h; the same key with other text is refused."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[ticket_id, subject, key]",
        payload_validation_jmespath="text",
        expires_after_seconds=24 * 3600,
    )


@cache
def reply_service() -> ReplyService:
    """The reply flow: powertools idempotency (in the table), outbound adapters, the retry queue."""
    import json

    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        idempotent_function,
    )
    from botocore.exceptions import BotoCoreError, ClientError

    from socialdesk.channels.outbound import OutboundSettings, find_sent, send_reply
    from socialdesk.logic.reply_flow import ReplyService
    from socialdesk.logic.transient import TransientRetry

    class RetriedPersistence(DynamoDBPersistenceLayer):
        """Completing or dropping a key's record rides out a throttling burst: a record left "in
        progress" by a failed write holds the agent's next click (409) until the Lambda's timeout."""

        def _update_record(self, data_record: Any) -> None:
            TransientRetry().run(
                partial(super()._update_record, data_record), on=(ClientError, BotoCoreError)
            )

        def _delete_record(self, data_record: Any) -> None:
            TransientRetry().run(
                partial(super()._delete_record, data_record), on=(ClientError, BotoCoreError)
            )

    svc = services()
    settings = svc.settings
    persistence = RetriedPersistence(
        table_name=settings.table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value="IDEMPOTENCY#replies",
        expiry_attr="expires_at",
        boto3_client=clients.client("dynamodb"),
    )
    config = idempotency_config()

    def once(function: Any) -> Any:
        @idempotent_function(data_keyword_argument="command", persistence_store=persistence, config=config)
        def run(command: dict[str, Any]) -> dict[str, Any]:
            return function(command)

        return idempotency_errors_translated(run)

    outbound = OutboundSettings(
        x_api_base_url=settings.x_api_base_url,
        meta_graph_base_url=settings.meta_graph_base_url,
        timeout_seconds=settings.outbound_timeout_seconds,
    )

    def enqueue(ticket_id: str, reply_id: str) -> None:
        """Queue a delivery check; a queue that cannot take it is a retryable storage fault (503)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from socialdesk.dal.table import storage_error

        if settings.outbound_retry_queue_url:
            try:
                clients.client("sqs").send_message(
                    QueueUrl=settings.outbound_retry_queue_url,
                    DelaySeconds=30,
                    MessageBody=json.dumps({"ticket_id": ticket_id, "reply_id": reply_id}),
                )
            except (ClientError, BotoCoreError) as error:
                raise storage_error(error, "reply retry queue") from error

    def observe(outcome: Any) -> None:
        if outcome.status == "unknown" and not outcome.retrying:  # the platform cannot be asked
            from socialdesk.common.observability import metrics

            metrics.add_metric(name="RepliesUnverified", unit="Count", value=1)

    return ReplyService(
        observe=observe,
        tickets=svc.tickets,
        replies=svc.tickets,
        mentions=svc.mentions,
        clock=now,
        once=once,
        enqueue_retry=enqueue,
        send=lambda reply: send_reply(reply, secrets=svc.secrets, settings=outbound),
        policy=svc.policies.routing_policy,
        lookup=lambda reply: find_sent(reply, secrets=svc.secrets, settings=outbound),
    )


def idempotency_errors_translated(
    run: Callable[..., dict[str, Any]],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``run(command=...)`` with powertools' idempotency errors raised as domain errors.

    The API maps domain errors to HTTP in one place, and no handler imports powertools' idempotency
    package (it imports boto3) at init.
    """
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    from socialdesk.domain.errors import InProgress, KeyReused, StorageUnavailable

    def translated(command: dict[str, Any]) -> dict[str, Any]:
        try:
            return run(command=command)
        except IdempotencyValidationError:
            raise KeyReused("this Idempotency-Key was already used for a different reply") from None
        except IdempotencyAlreadyInProgressError:
            raise InProgress("the same reply is being sent; retry shortly") from None
        except IdempotencyPersistenceLayerError as error:
            raise StorageUnavailable(
                "idempotency store unavailable; retry with the same Idempotency-Key"
            ) from error

    return translated


def install_model_source(settings: Settings) -> None:
    """Classify asks the model registry (cached) when ``MODEL_BUCKET`` is set, else the packaged model."""
    from socialdesk.learning.runtime import use_model_source

    if not settings.model_bucket:
        use_model_source(None)
        return
    from socialdesk.dal.model_registry import CachedModelSource, S3ModelRegistry

    registry = S3ModelRegistry(
        clients.client("s3"), clients.client("dynamodb"), settings.model_bucket, settings.table_name
    )
    use_model_source(CachedModelSource(registry, settings.model_cache_seconds))


def reset() -> None:
    """Forget adapters, clients and cached secrets (tests and the local runtime call this)."""
    from socialdesk.learning.runtime import use_model_source

    use_model_source(None)
    services.cache_clear()
    _routing.cache_clear()
    reply_service.cache_clear()
    clients.reset()
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
