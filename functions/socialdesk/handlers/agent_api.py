"""Agent API entrypoint (behind the HTTP API JWT authorizer): read mentions; tickets come next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from socialdesk.bootstrap import services
from socialdesk.common.observability import logger, metrics, tracer
from socialdesk.domain.access import Principal, principal_from_claims
from socialdesk.domain.errors import DomainError, MentionNotFound
from socialdesk.domain.mention import Channel
from socialdesk.handlers.http import error_response, internal_error

app = APIGatewayHttpResolver()


def current_principal() -> Principal:
    """The caller, from the claims API Gateway's JWT authorizer verified."""
    authorizer = (app.current_event.get("requestContext") or {}).get("authorizer") or {}
    return principal_from_claims((authorizer.get("jwt") or {}).get("claims"))


@app.get("/mentions/<channel>/<external_id>")
def get_mention(channel: str, external_id: str) -> dict[str, Any]:
    """The normalised mention with its status (active, or deleted with its content removed)."""
    current_principal()
    if channel not in {c.value for c in Channel}:
        raise MentionNotFound(f"unknown channel {channel}")
    stored = services().mentions.get(channel, external_id)
    if stored is None:
        raise MentionNotFound("no such mention")
    return stored.model_dump(mode="json")


def _shaped(result: dict[str, Any]) -> Response[str]:
    return Response(
        status_code=result["statusCode"],
        content_type=result["headers"]["content-type"],
        body=result["body"],
        headers={k: v for k, v in result["headers"].items() if k != "content-type"},
    )


@app.exception_handler(DomainError)
def _domain_error(error: DomainError) -> Response[str]:
    logger.info("request refused", extra={"error": error.code})
    return _shaped(error_response(error))


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[str]:
    logger.exception("request failed")
    return _shaped(internal_error())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entrypoint for the agent routes."""
    metrics.add_metric(name="AgentApiRequests", unit="Count", value=1)
    return app.resolve(event, context)
