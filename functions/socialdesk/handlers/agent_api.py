"""Agent API entrypoint (behind the HTTP API JWT authorizer): typed routes, validated by powertools."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel

from socialdesk.bootstrap import idempotency_config, now, reply_service, services
from socialdesk.channels.validation import describe_errors
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.domain.access import Principal, principal_from_claims
from socialdesk.domain.errors import DomainError, MentionNotFound, NotFound, PayloadInvalid
from socialdesk.domain.mention import Channel, StoredMention
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.handlers.http import error_response, error_responses, internal_error
from socialdesk.logic.agent_queries import QueuePage, TicketView, list_queue, show_ticket, visible_mention
from socialdesk.logic.merge import MergeRequest
from socialdesk.logic.respond import (
    AssignRequest,
    NoteRequest,
    NoteView,
    ReplyOutcome,
    ReplyRequest,
    ResolveRequest,
)

app = APIGatewayHttpResolver(enable_validation=True, response_validation_error_http_code=500)

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


def _ticket_action(action: Callable[..., Ticket], ticket_id: str, request: BaseModel) -> Ticket:
    """Run a desk action ``action(principal, ticket_id, request, now, tickets=, policy=)``."""
    svc = services()
    return action(
        current_principal(),
        ticket_id,
        request,
        now(),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


def _learning(action: Callable[[], Ticket], ticket_id: str) -> Ticket:
    """Run a desk action; a move to another team, spam or not spam is kept as a routing correction."""
    from socialdesk.logic.record_correction import learning_from

    svc = services()
    return learning_from(
        action,
        current_principal(),
        ticket_id,
        now(),
        tickets=svc.tickets,
        mentions=svc.mentions,
        store=svc.corrections,
    )


def created(status: int, model: BaseModel) -> Response[Any]:
    """A JSON response with a success status other than the route's (201, 202)."""
    return Response(status_code=status, content_type="application/json", body=model)


# -- route groups: registered on their first request -------------------------------------------------------
#: the first path segment (``/tickets/*/<action>`` for a ticket's) → the sibling module ``agent_api_<group>``
#: that registers that group's routes on ``app`` when imported. The core ticket routes below are always
#: registered; the other groups' models and use cases are imported only when a request needs them, which
#: keeps them out of the cold start (docs/decisions/0007-cost.md, "Cold start"). No two routes of one
#: method match the same path, so the order groups are registered in never changes which route answers.
ROUTE_GROUPS: dict[str, str] = {
    "/tickets/*/corrections": "corrections",
    "/tickets/*/canned-responses": "canned",
    "/canned-responses": "canned",
    "/teams": "agents",
    "/agents": "agents",
    "/outreach": "outreach",
    "/reports": "reports",
    "/config": "policy",
    "/incidents": "incidents",
    "/privacy": "privacy",
}
TICKET_ACTION_SEGMENTS = 4  # "", "tickets", the id, the action


def route_group(path: str) -> str | None:
    """The lazily registered group whose routes ``path`` may name (None: a core route, or no route)."""
    segments = path.split("/")
    if len(segments) == TICKET_ACTION_SEGMENTS and segments[1] == "tickets":
        return ROUTE_GROUPS.get(f"/tickets/*/{segments[3]}")
    return ROUTE_GROUPS.get("/" + segments[1]) if len(segments) > 1 else None


def register_routes(*groups: str) -> None:
    """Import the groups' modules (every group when none is named); each registers its routes once."""
    for group in groups or sorted(set(ROUTE_GROUPS.values())):
        importlib.import_module(f"socialdesk.handlers.agent_api_{group}")


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
    return created(201 if outcome.status == "sent" else 202, outcome)


@agent_route("POST", "/tickets/<ticket_id>/assign", "Assign and/or hand over", "tickets", 400, 404, 409)
def post_assign(ticket_id: TicketId, request: Annotated[AssignRequest, Body()]) -> Ticket:
    """Assign the ticket to an agent and/or move it to a team (a move is kept as a team correction)."""
    from socialdesk.logic.respond import assign

    return _learning(lambda: _ticket_action(assign, ticket_id, request), ticket_id)


@agent_route("POST", "/tickets/<ticket_id>/resolve", "Resolve", "tickets", 400, 404, 409)
def post_resolve(ticket_id: TicketId, request: Annotated[ResolveRequest | None, Body()] = None) -> Ticket:
    """Resolve the ticket (the clocks stop; it leaves the due index), then send the CSAT survey where the
    policy enables it and the customer's channel allows it. Resolved as spam: kept as a spam correction."""
    from socialdesk.logic.csat import resolve_with_survey

    svc = services()
    return _learning(
        lambda: resolve_with_survey(
            current_principal(),
            ticket_id,
            request or ResolveRequest(),
            now(),
            tickets=svc.tickets,
            replies=svc.tickets,
            mentions=svc.mentions,
            policy=svc.policies.routing_policy(),
        ),
        ticket_id,
    )


@agent_route("POST", "/tickets/<ticket_id>/reopen", "Reopen", "tickets", 404, 409)
def post_reopen(ticket_id: TicketId) -> Ticket:
    """Reopen a resolved ticket (the next-response clock runs again). Reopening a ticket routing closed as
    spam is kept as a not-spam correction."""
    from socialdesk.logic.respond import reopen

    svc = services()
    return _learning(
        lambda: reopen(
            current_principal(), ticket_id, now(), tickets=svc.tickets, policy=svc.policies.routing_policy()
        ),
        ticket_id,
    )


@agent_route(
    "POST",
    "/tickets/<ticket_id>/notes",
    "Add an internal note",
    "tickets",
    400,
    404,
    ok=201,
    ok_means="Noted (audited with the ticket; never sent).",
)
def post_note(ticket_id: TicketId, request: Annotated[NoteRequest, Body()]) -> Response[NoteView]:
    """An internal note for the desk: stored in the ticket's audit trail, never sent to the customer."""
    from socialdesk.logic.respond import add_note

    return created(201, add_note(current_principal(), ticket_id, request, now(), tickets=services().tickets))


@agent_route("POST", "/tickets/<ticket_id>/merge", "Merge into another ticket", "tickets", 400, 404, 409)
def post_merge(ticket_id: TicketId, request: Annotated[MergeRequest, Body()]) -> Ticket:
    """Merge this ticket into ``into`` (same customer, same channel); answers with the winner."""
    from socialdesk.logic.merge import merge

    return _ticket_action(merge, ticket_id, request)


# -- the document ----------------------------------------------------------------------------------------
# The document's description is configured, and Swagger UI rendered, when they are asked for: powertools'
# OpenAPI models (about fifty pydantic classes) would otherwise be built at every cold start.
@app.get("/openapi.json", summary="This OpenAPI document", tags=["meta"])
def openapi_document() -> dict[str, Any]:
    """The agent API's OpenAPI 3 document (public: it holds no data)."""
    return openapi()


@app.get("/swagger", include_in_schema=False, compress=True)
def swagger_ui() -> Response[str]:
    """Swagger UI on the document, from powertools' packaged bundle (inlined: it renders offline)."""
    from importlib import resources

    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    spec = _openapi_json().replace("</", "<\\/")  # the document cannot close the page's <script>
    page = generate_swagger_html(
        spec,
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
    )
    return Response(status_code=200, content_type="text/html", body=page)


def openapi() -> dict[str, Any]:
    """The OpenAPI document powertools builds from the typed routes (nothing added by hand)."""
    document: dict[str, Any] = json.loads(_openapi_json())
    return document


@cache
def _openapi_json() -> str:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    register_routes()  # every group, so the document names every route
    app.configure_openapi(
        title="SocialDesk agent API",
        version="0.2.0",
        description="Queues, tickets, replies, incidents, reports and policy for support agents: the "
        "console's contract. Every route except this document and Swagger UI needs a bearer JWT whose "
        'claims carry `sub`, `teams` and `role`. Errors are `{"error", "reason"}`.',
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
    )
    document = json.loads(app.get_openapi_json_schema())
    # by path, not by registration order: which groups a warm container loaded first must not reorder it
    document["paths"] = dict(sorted(document["paths"].items()))
    return json.dumps(document, indent=2, ensure_ascii=False)


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


@app.exception_handler(RecursionError)
def _too_deep(error: RecursionError) -> Response[str]:
    """A body nested deeper than any request needs (a recursion bomb): 400, never a 500."""
    return _shaped(error_response(PayloadInvalid("body is nested too deeply")))


class RouteNotFound(NotFound):
    """A path the API does not declare (API Gateway answers those itself; a direct invoke may not): 404."""


@app.not_found
def _no_such_route(error: Exception) -> Response[str]:
    return _shaped(error_response(RouteNotFound("no such route")))


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[str]:
    logger.exception("request failed")
    return _shaped(internal_error())


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entrypoint for the agent routes."""
    metrics.add_metric(name="AgentApiRequests", unit="Count", value=1)
    idempotency_config().register_lambda_context(context)
    group = route_group(APIGatewayProxyEventV2(event).path)
    if group:
        register_routes(group)
    return app.resolve(event, context)


__all__ = ["ROUTE_GROUPS", "app", "lambda_handler", "openapi", "register_routes", "route_group"]
