"""Agent API entrypoint (behind the HTTP API JWT authorizer): typed routes, validated by powertools."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from pydantic import BaseModel

from socialdesk.bootstrap import agent_picker, idempotency_config, now, reply_service, services
from socialdesk.channels.validation import describe_errors
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.domain.access import Principal, principal_from_claims
from socialdesk.domain.canned import CannedResponse
from socialdesk.domain.correction import Correction
from socialdesk.domain.errors import DomainError, MentionNotFound, PayloadInvalid
from socialdesk.domain.incident import Incident
from socialdesk.domain.mention import Channel, StoredMention
from socialdesk.domain.model import Model
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.handlers.http import error_response, error_responses, internal_error
from socialdesk.logic.agent_queries import QueuePage, TicketView, list_queue, show_ticket, visible_mention
from socialdesk.logic.assignment import AvailabilityChange, AvailabilityChanged, Roster
from socialdesk.logic.canned import CannedList, CannedRequest, TicketCanned
from socialdesk.logic.configure import PolicyAudit, PolicyChange, PolicyView
from socialdesk.logic.incidents import IncidentReplyOutcome, IncidentReplyRequest, IncidentView
from socialdesk.logic.merge import MergeRequest
from socialdesk.logic.outreach import OutreachOutcome, OutreachRequest
from socialdesk.logic.privacy_requests import ErasureRecorded, ErasureRequest
from socialdesk.logic.record_correction import CorrectionRequest
from socialdesk.logic.reports import DeskReport, SlaReport
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

    return _created(201, add_note(current_principal(), ticket_id, request, now(), tickets=services().tickets))


@agent_route(
    "POST",
    "/tickets/<ticket_id>/corrections",
    "Correct the routing (teaches the model)",
    "tickets",
    400,
    404,
    ok=201,
    ok_means="Stored as a labelled example; a repeat answers with the correction stored first.",
)
def post_correction(
    ticket_id: TicketId, request: Annotated[CorrectionRequest, Body()]
) -> Response[Correction]:
    """Keep the agent's correction (intent, team, spam, not spam) as a labelled example for the next refit.

    The ticket itself does not change (move it with `/assign`; a move is kept as a team correction).
    422 when the correction contradicts itself (an intent correction without an intent, "not spam" as
    spam) or names a team the policy does not.
    """
    from socialdesk.logic.record_correction import correct_routing

    svc = services()
    correction = correct_routing(
        current_principal(),
        ticket_id,
        request,
        now(),
        tickets=svc.tickets,
        mentions=svc.mentions,
        store=svc.corrections,
        teams=svc.policies.routing_policy().teams,
    )
    return _created(201, correction)


@agent_route("POST", "/tickets/<ticket_id>/merge", "Merge into another ticket", "tickets", 400, 404, 409)
def post_merge(ticket_id: TicketId, request: Annotated[MergeRequest, Body()]) -> Ticket:
    """Merge this ticket into ``into`` (same customer, same channel); answers with the winner."""
    from socialdesk.logic.merge import merge

    return _ticket_action(merge, ticket_id, request)


@agent_route("GET", "/tickets/<ticket_id>/canned-responses", "Canned responses for a ticket", "canned", 404)
def get_ticket_canned(ticket_id: TicketId) -> TicketCanned:
    """The ticket's team's canned responses, placeholders filled in for this customer and agent."""
    from socialdesk.logic.canned import canned_for_ticket

    svc = services()
    return canned_for_ticket(current_principal(), ticket_id, tickets=svc.tickets, store=svc.canned)


# -- canned responses (leads manage them) -------------------------------------------------------------------
CannedId = Annotated[str, Path(pattern=r"^C-[a-z0-9]{6,40}$", description="The canned response's id.")]


class Deleted(Model):
    """What was deleted."""

    deleted: str


@agent_route("GET", "/canned-responses", "A team's canned responses", "canned", 400)
def get_canned(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> CannedList:
    """The team's canned responses and the placeholders they may use."""
    from socialdesk.logic.canned import list_canned

    return list_canned(current_principal(), team, store=services().canned)


@agent_route(
    "POST", "/canned-responses", "Create a canned response", "canned", 400, ok=201, ok_means="Created."
)
def post_canned(request: Annotated[CannedRequest, Body()]) -> Response[CannedResponse]:
    """Leads and admins of the team create one."""
    from socialdesk.logic.canned import save_canned

    return _created(201, save_canned(current_principal(), None, request, now(), store=services().canned))


@agent_route("PUT", "/canned-responses/<canned_id>", "Change a canned response", "canned", 400, 404, 409)
def put_canned(canned_id: CannedId, request: Annotated[CannedRequest, Body()]) -> CannedResponse:
    """Leads and admins of the team change one (``version``: the one read; 409 when stale)."""
    from socialdesk.logic.canned import save_canned

    return save_canned(current_principal(), canned_id, request, now(), store=services().canned)


@agent_route("DELETE", "/canned-responses/<canned_id>", "Delete a canned response", "canned", 400, 404)
def delete_canned_response(
    canned_id: CannedId,
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> Deleted:
    """Leads and admins of the team delete one."""
    from socialdesk.logic.canned import delete_canned

    delete_canned(current_principal(), team, canned_id, store=services().canned)
    return Deleted(deleted=canned_id)


# -- agents and assignment ------------------------------------------------------------------------------
class TeamsView(Model):
    """The teams the policy names, the caller's own, and each team's assignment mode."""

    teams: list[str]
    mine: list[str]
    role: str
    subject: str
    assignment: dict[str, str]


@agent_route("GET", "/teams", "Teams and who I am", "agents")
def get_teams() -> TeamsView:
    """Every team the routing policy names (to hand tickets over), and the caller's own teams."""
    principal = current_principal()
    policy = services().policies.routing_policy()
    return TeamsView(
        teams=list(policy.teams),
        mine=sorted(principal.teams),
        role=principal.role.value,
        subject=principal.subject,
        assignment={team: policy.assignment.for_team(team).mode.value for team in policy.teams},
    )


@agent_route("GET", "/agents", "A team's roster", "agents", 400)
def get_agents(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> Roster:
    """The team's agents: online or away, their cap and open tickets; the team's assignment mode."""
    from socialdesk.logic.assignment import roster

    svc = services()
    return roster(
        current_principal(),
        team,
        agents=svc.agents,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


@agent_route("PUT", "/agents/<subject>/availability", "Go online or away", "agents", 400)
def put_availability(
    subject: Annotated[str, Path(min_length=1, max_length=128, description="An agent's subject, or `me`.")],
    request: Annotated[AvailabilityChange, Body()],
) -> AvailabilityChanged:
    """Online takes new tickets; away takes none and hands the agent's open tickets over (audited)."""
    from socialdesk.logic.assignment import set_availability

    picker = agent_picker()
    svc = services()
    return set_availability(
        current_principal(), subject, request, now(), agents=svc.agents, tickets=svc.tickets, picker=picker
    )


# -- proactive follow-up ------------------------------------------------------------------------------------
@agent_route(
    "POST",
    "/outreach",
    "Start a conversation with a customer",
    "outreach",
    400,
    ok=202,
    ok_means="Queued on the customer's conversation (sent from the stream).",
)
def post_outreach(request: Annotated[OutreachRequest, Body()]) -> Response[OutreachOutcome]:
    """A follow-up after a sale or a fixed incident, where the platform allows it (422 with the reason)."""
    from socialdesk.logic.outreach import start_outreach

    svc = services()
    outcome = start_outreach(
        current_principal(),
        request,
        now(),
        tickets=svc.tickets,
        replies=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    return _created(202, outcome)


# -- reports and policy -------------------------------------------------------------------------------------
@agent_route("GET", "/reports/desk", "The desk's charts", "reports", 400)
def get_desk_report(
    teams: Annotated[
        str | None,
        Query(max_length=1000, description="Comma-separated teams (default: every team in the token)."),
    ] = None,
    start: Annotated[
        str | None, Query(alias="from", description="ISO 8601; default: 7 days before `to`.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO 8601; default: now.")] = None,
) -> DeskReport:
    """First-response distribution, SLA compliance by team and by agent per day, breaches by level, CSAT."""
    from socialdesk.logic.reports import desk_report

    svc = services()
    chosen = [t.strip() for t in (teams or "").split(",") if t.strip()]
    return desk_report(
        current_principal(),
        chosen,
        start,
        end,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
        now=now(),
    )


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
class IncidentList(Model):
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

    app.configure_openapi(
        title="SocialDesk agent API",
        version="0.2.0",
        description="Queues, tickets, replies, incidents, reports and policy for support agents: the "
        "console's contract. Every route except this document and Swagger UI needs a bearer JWT whose "
        'claims carry `sub`, `teams` and `role`. Errors are `{"error", "reason"}`.',
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
    )
    return app.get_openapi_json_schema()


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
