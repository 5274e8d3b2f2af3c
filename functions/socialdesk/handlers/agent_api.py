"""Agent API entrypoint (behind the HTTP API JWT authorizer): typed routes, validated by powertools."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import BaseModel

from socialdesk.bootstrap import idempotency_config, now, reply_service, services
from socialdesk.channels.validation import describe_errors
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.domain.access import Principal, principal_from_claims
from socialdesk.domain.errors import DomainError, MentionNotFound, PayloadInvalid
from socialdesk.domain.incident import Incident
from socialdesk.domain.mention import Channel, StoredMention
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.handlers.http import error_response, error_responses, internal_error, json_response
from socialdesk.logic.agent_queries import QueuePage, TicketView, list_queue, show_ticket, visible_mention
from socialdesk.logic.configure import PolicyAudit, PolicyChange, PolicyView
from socialdesk.logic.incidents import IncidentReplyOutcome, IncidentReplyRequest, IncidentView
from socialdesk.logic.privacy_requests import ErasureRecorded, ErasureRequest
from socialdesk.logic.reports import SlaReport
from socialdesk.logic.respond import AssignRequest, ReplyOutcome, ReplyRequest, ResolveRequest

app = APIGatewayHttpResolver(enable_validation=True, response_validation_error_http_code=500)
app.configure_openapi(
    title="SocialDesk agent API",
    version="0.2.0",
    description="Queues, tickets, replies, incidents, reports and policy for support agents: the console's "
    "contract. Every route except this document and Swagger UI needs a bearer JWT whose claims carry "
    '`sub`, `teams` and `role`. Errors are `{"error", "reason"}`.',
    security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
)
app.enable_swagger(path="/swagger", compress=True)

AnyCallable = TypeVar("AnyCallable", bound=Callable[..., Any])
#: the bearer-token requirement of every JWT route (the template's AgentJwt authorizer)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
TeamName = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="A team in your token (default: your only team)."
    ),
]
TicketId = Annotated[str, Path(min_length=1, max_length=128, description="The ticket id (`T-…`).")]
IncidentId = Annotated[str, Path(min_length=1, max_length=200, description="The incident id (`INC-…`).")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="A retried click with the same key returns the first outcome; the reply posts once.",
    ),
]


def errors(*statuses: int, ok: int = 200, ok_means: str = "Done.") -> dict[int, Any]:
    """A JWT route's documented responses: its success (the return type's schema), 401, 403 and 422
    always, plus ``statuses``."""
    return {ok: {"description": ok_means}, **error_responses(*sorted({401, 403, 422, *statuses}))}


def agent_route(
    method: str,
    rule: str,
    summary: str,
    tag: str,
    *statuses: int,
    ok: int = 200,
    ok_means: str = "Done.",
    extra: dict[int, Any] | None = None,
) -> Callable[[AnyCallable], AnyCallable]:
    """Register a JWT route with its summary, tag, bearer security, success status and documented errors."""
    return app.route(
        rule,
        method,
        summary=summary,
        tags=[tag],
        security=BEARER,
        status_code=ok,
        responses={**errors(*statuses, ok=ok, ok_means=ok_means), **(extra or {})},
    )


def current_principal() -> Principal:
    """The caller, from the claims API Gateway's JWT authorizer verified."""
    authorizer = (app.current_event.get("requestContext") or {}).get("authorizer") or {}
    return principal_from_claims((authorizer.get("jwt") or {}).get("claims"))


def _created(status: int, model: BaseModel) -> Response[Any]:
    return Response(status_code=status, content_type="application/json", body=model)


# -- mentions and tickets -------------------------------------------------------------------------------
@agent_route("GET", "/mentions/<channel>/<external_id>", "A stored mention", "mentions", 404)
def get_mention(
    channel: Annotated[str, Path(description="x, facebook, messenger, instagram, whatsapp or generic")],
    external_id: Annotated[
        str, Path(min_length=1, max_length=512, description="Generic ids are `source:id`.")
    ],
) -> StoredMention:
    """The normalised mention with its status (active, or deleted with its content removed)."""
    principal = current_principal()
    if channel not in {c.value for c in Channel}:
        raise MentionNotFound(f"unknown channel {channel}")
    external_id = unquote(external_id)  # e.g. generic ids "<source>:<id>" sent as "reviews%3A…"
    svc = services()
    stored = svc.mentions.get(channel, external_id)
    ticket = svc.tickets.get(stored.ticket_id) if stored and stored.ticket_id else None
    visible = visible_mention(principal, stored, ticket)
    return visible.model_copy(update={"ticket_id": ticket.ticket_id if ticket else None})


@agent_route("GET", "/tickets", "A team's queue", "tickets", 400)
def list_tickets(
    team: TeamName = None,
    status: Annotated[TicketStatus, Query(description="The queue's status.")] = TicketStatus.OPEN,
    limit: Annotated[int, Query(ge=1, le=100, description="Tickets per page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=4096, description="`next_cursor` of the previous page.")
    ] = None,
) -> QueuePage:
    """Urgent first, then the earliest deadline (QueueIndex, no scan)."""
    return list_queue(current_principal(), team, status.value, limit, cursor, tickets=services().tickets)


@agent_route("GET", "/tickets/<ticket_id>", "One ticket with its conversation", "tickets", 404)
def get_ticket(ticket_id: TicketId) -> TicketView:
    """Customer and context messages, replies with their delivery, the audit trail, the reply limits."""
    svc = services()
    return show_ticket(
        current_principal(), ticket_id, tickets=svc.tickets, replies=svc.tickets, mentions=svc.mentions
    )


@agent_route(
    "POST",
    "/tickets/<ticket_id>/replies",
    "Reply to the ticket's customer",
    "tickets",
    400,
    404,
    409,
    ok=201,
    ok_means="Sent: the platform accepted the reply.",
    extra={
        202: {
            "description": "Recorded, but the platform refused or failed (retried when retryable).",
            "content": {"application/json": {"model": ReplyOutcome}},
        }
    },
)
def post_reply(
    ticket_id: TicketId, request: Annotated[ReplyRequest, Body()], idempotency_key: IdempotencyKey = None
) -> Response[ReplyOutcome]:
    """Record a reply (stops the SLA clock once delivered) and send it on the customer's channel.

    201 when sent; 202 when recorded but not (yet) delivered. A retried click with the same
    ``Idempotency-Key`` returns the first outcome instead of posting twice.
    """
    outcome = ReplyOutcome.model_validate(
        reply_service().reply(current_principal(), ticket_id, request, idempotency_key)
    )
    metrics.add_metric(name=f"Replies_{outcome.status}", unit="Count", value=1)
    return _created(201 if outcome.status == "sent" else 202, outcome)


@agent_route("POST", "/tickets/<ticket_id>/assign", "Assign and/or hand over", "tickets", 400, 404, 409)
def post_assign(ticket_id: TicketId, request: Annotated[AssignRequest, Body()]) -> Ticket:
    """Assign the ticket to an agent and/or move it to a team."""
    from socialdesk.logic.respond import assign

    svc = services()
    return assign(
        current_principal(),
        ticket_id,
        request,
        now(),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


@agent_route("POST", "/tickets/<ticket_id>/resolve", "Resolve", "tickets", 400, 404, 409)
def post_resolve(ticket_id: TicketId, request: Annotated[ResolveRequest | None, Body()] = None) -> Ticket:
    """Resolve the ticket (the clocks stop; it leaves the due index)."""
    from socialdesk.logic.respond import resolve

    svc = services()
    return resolve(
        current_principal(),
        ticket_id,
        request or ResolveRequest(),
        now(),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


@agent_route("POST", "/tickets/<ticket_id>/reopen", "Reopen", "tickets", 404, 409)
def post_reopen(ticket_id: TicketId) -> Ticket:
    """Reopen a resolved ticket (the next-response clock runs again)."""
    from socialdesk.logic.respond import reopen

    svc = services()
    return reopen(
        current_principal(), ticket_id, now(), tickets=svc.tickets, policy=svc.policies.routing_policy()
    )


# -- reports and policy -------------------------------------------------------------------------------------
@agent_route("GET", "/reports/sla", "The SLA report", "reports", 400)
def get_sla_report(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team reported.")],
    start: Annotated[
        str | None, Query(alias="from", description="ISO 8601; default: 7 days before `to`.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO 8601; default: now.")] = None,
) -> SlaReport:
    """First-response p50/p90, SLA compliance and breaches by level for a team and period."""
    from socialdesk.logic.reports import sla_report

    return sla_report(current_principal(), team, start, end, tickets=services().tickets, now=now())


@agent_route("GET", "/config/policy", "The policy document", "policy")
def get_policy() -> PolicyView:
    """The routing rules, SLA policies, calendars and escalation policies (leads and admins)."""
    from socialdesk.logic.configure import read_policy

    return read_policy(current_principal(), store=services().policies)


@agent_route("PUT", "/config/policy", "Replace the policy", "policy", 400, 409)
def put_policy(request: Annotated[PolicyChange, Body()]) -> PolicyView:
    """Replace the policy document (admins; optimistic concurrency on ``version``; audited)."""
    from socialdesk.logic.configure import change_policy

    return change_policy(current_principal(), request, now(), store=services().policies)


@agent_route("GET", "/config/policy/audit", "Who changed the policy", "policy")
def get_policy_audit() -> PolicyAudit:
    """Every policy change, newest first (leads and admins)."""
    from socialdesk.logic.configure import policy_audit

    return policy_audit(current_principal(), store=services().policies)


# -- incidents ---------------------------------------------------------------------------------------------
class IncidentList(BaseModel):
    """Open incidents the caller can see, newest first."""

    incidents: list[Incident]


@agent_route("GET", "/incidents", "Open incidents", "incidents")
def get_incidents() -> IncidentList:
    """Open incidents the caller can see, newest first."""
    from socialdesk.logic.incidents import list_incidents

    return IncidentList(incidents=list_incidents(current_principal(), incidents=services().incidents))


@agent_route("GET", "/incidents/<incident_id>", "An incident with its tickets", "incidents", 404)
def get_incident(incident_id: IncidentId) -> IncidentView:
    """An incident with its tickets, counts and first/last seen."""
    from socialdesk.logic.incidents import show_incident

    svc = services()
    return show_incident(current_principal(), incident_id, incidents=svc.incidents, tickets=svc.tickets)


@agent_route(
    "POST",
    "/incidents/<incident_id>/replies",
    "One reply to every linked customer",
    "incidents",
    400,
    404,
    ok=202,
    ok_means="One reply queued per linked customer.",
)
def post_incident_reply(
    incident_id: IncidentId,
    request: Annotated[IncidentReplyRequest, Body()],
    idempotency_key: Annotated[
        str, Header(min_length=1, max_length=200, description="Required: it makes the reply go out once.")
    ],
) -> Response[IncidentReplyOutcome]:
    """One text to every linked customer, each on their own channel, once each."""
    from socialdesk.logic.incidents import reply_to_incident

    svc = services()
    outcome = reply_to_incident(
        current_principal(),
        incident_id,
        request,
        idempotency_key,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        replies=svc.tickets,
        mentions=svc.mentions,
    )
    return _created(202, outcome)


@agent_route(
    "POST",
    "/incidents/<incident_id>/resolve",
    "Resolve an incident and its tickets",
    "incidents",
    400,
    404,
    409,
)
def post_incident_resolve(
    incident_id: IncidentId, request: Annotated[ResolveRequest | None, Body()] = None
) -> Incident:
    """Resolve the incident and its open tickets."""
    from socialdesk.logic.incidents import resolve_incident

    svc = services()
    return resolve_incident(
        current_principal(),
        incident_id,
        (request or ResolveRequest()).resolution,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


# -- privacy -------------------------------------------------------------------------------------------------
@agent_route(
    "POST",
    "/privacy/erasures",
    "Record an erasure request",
    "privacy",
    400,
    ok=202,
    ok_means="Recorded; carried out from the stream.",
)
def post_erasure(request: Annotated[ErasureRequest, Body()]) -> Response[ErasureRecorded]:
    """Record a person's erasure request (admins); it is carried out from the stream."""
    from socialdesk.logic.privacy_requests import request_erasure

    recorded = request_erasure(current_principal(), request, now(), erasures=services().erasures)
    return _created(202, recorded)


# -- the document ----------------------------------------------------------------------------------------
@app.get("/openapi.json", summary="This OpenAPI document", tags=["meta"])
def openapi_document() -> dict[str, Any]:
    """The agent API's OpenAPI 3 document (public: it holds no data)."""
    return openapi()


def openapi() -> dict[str, Any]:
    """The OpenAPI document powertools builds from the typed routes (nothing added by hand)."""
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    return document


# -- errors: one shape, the statuses the tests and the console rely on ----------------------------------
def _shaped(result: dict[str, Any]) -> Response[str]:
    return Response(
        status_code=result["statusCode"],
        content_type=result["headers"]["content-type"],
        body=result["body"],
        headers={k: v for k, v in result["headers"].items() if k != "content-type"},
    )


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[str]:
    """A malformed body, query or header parameter: 400 naming the field paths (never the input)."""
    details = list(error.errors())
    if any(tuple(d.get("loc") or ())[:1] == ("response",) for d in details):
        logger.error("response failed validation", extra={"errors": str(details)[:500]})
        return _shaped(internal_error())
    if any(d.get("type") == "json_invalid" for d in details):
        return _shaped(error_response(PayloadInvalid("body is not valid JSON")))
    return _shaped(error_response(PayloadInvalid(describe_errors(details, skip=1))))


@app.exception_handler(DomainError)
def _domain_error(error: DomainError) -> Response[str]:
    logger.info("request refused", extra={"error": error.code})
    return _shaped(error_response(error))


@app.exception_handler(IdempotencyValidationError)
def _key_reused(error: Exception) -> Response[str]:
    return _shaped(
        json_response(
            422,
            {
                "error": "idempotency_key_reused",
                "reason": "this Idempotency-Key was already used for a different reply",
            },
        )
    )


@app.exception_handler(IdempotencyAlreadyInProgressError)
def _in_progress(error: Exception) -> Response[str]:
    return _shaped(
        json_response(409, {"error": "in_progress", "reason": "the same reply is being sent; retry shortly"})
    )


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[str]:
    logger.exception("request failed")
    return _shaped(internal_error())


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entrypoint for the agent routes."""
    metrics.add_metric(name="AgentApiRequests", unit="Count", value=1)
    idempotency_config().register_lambda_context(context)
    return app.resolve(event, context)


__all__ = ["app", "lambda_handler", "openapi"]
