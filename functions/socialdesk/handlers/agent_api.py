"""Agent API entrypoint (behind the HTTP API JWT authorizer): mentions, queues and tickets."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from socialdesk.bootstrap import services
from socialdesk.common.observability import logger, metrics, tracer
from socialdesk.domain.access import Principal, principal_from_claims
from socialdesk.domain.errors import DomainError, MentionNotFound, PayloadInvalid
from socialdesk.domain.mention import Channel
from socialdesk.handlers.http import error_response, internal_error
from socialdesk.logic.agent_queries import list_queue, show_ticket, visible_mention

app = APIGatewayHttpResolver()


def current_principal() -> Principal:
    """The caller, from the claims API Gateway's JWT authorizer verified."""
    authorizer = (app.current_event.get("requestContext") or {}).get("authorizer") or {}
    return principal_from_claims((authorizer.get("jwt") or {}).get("claims"))


@app.get("/mentions/<channel>/<external_id>")
def get_mention(channel: str, external_id: str) -> dict[str, Any]:
    """The normalised mention with its status (active, or deleted with its content removed)."""
    principal = current_principal()
    if channel not in {c.value for c in Channel}:
        raise MentionNotFound(f"unknown channel {channel}")
    svc = services()
    stored = svc.mentions.get(channel, external_id)
    item = svc.tickets.mention_item(channel, external_id) if stored else None
    ticket = svc.tickets.get(item["ticket_id"]) if item and item.get("ticket_id") else None
    visible = visible_mention(principal, stored, ticket.team if ticket else None)
    return {**visible.model_dump(mode="json"), "ticket_id": ticket.ticket_id if ticket else None}


@app.get("/tickets")
def list_tickets() -> dict[str, Any]:
    """A team's queue: ``?team=&status=open&limit=50&cursor=`` — urgent first, then earliest deadline."""
    principal = current_principal()
    params = app.current_event.query_string_parameters or {}
    try:
        limit = int(params.get("limit", "50"))
    except ValueError:
        raise PayloadInvalid("limit must be an integer") from None
    page = list_queue(
        principal,
        params.get("team"),
        params.get("status"),
        limit,
        params.get("cursor"),
        tickets=services().tickets,
    )
    return page.model_dump(mode="json")


@app.get("/tickets/<ticket_id>")
def get_ticket(ticket_id: str) -> dict[str, Any]:
    """One ticket with its mentions and audit events (404 for another team's ticket)."""
    principal = current_principal()
    svc = services()
    return show_ticket(principal, ticket_id, tickets=svc.tickets, mentions=svc.mentions).model_dump(
        mode="json"
    )


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
