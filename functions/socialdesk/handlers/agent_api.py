"""Agent API entrypoint (behind the HTTP API JWT authorizer): mentions, queues and tickets."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from socialdesk.bootstrap import idempotency_config, now, reply_service, services
from socialdesk.common.observability import entrypoint, logger, metrics
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
    external_id = unquote(external_id)  # e.g. generic ids "<source>:<id>" sent as "reviews%3A…"
    svc = services()
    stored = svc.mentions.get(channel, external_id)
    ticket = svc.tickets.get(stored.ticket_id) if stored and stored.ticket_id else None
    visible = visible_mention(principal, stored, ticket)
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
    return show_ticket(
        principal, ticket_id, tickets=svc.tickets, replies=svc.tickets, mentions=svc.mentions
    ).model_dump(mode="json")


def _body(model: type[Any]) -> Any:
    """The JSON body as ``model``; malformed or invalid → 400 with the field path."""
    from pydantic import ValidationError

    from socialdesk.channels.validation import describe

    try:
        raw = app.current_event.json_body
    except (ValueError, RecursionError):
        raise PayloadInvalid("body is not valid JSON") from None
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        raise PayloadInvalid(describe(error)) from None


def _json(status: int, payload: Any) -> Response[str]:
    import json

    return Response(
        status_code=status, content_type="application/json", body=json.dumps(payload, default=str)
    )


@app.post("/tickets/<ticket_id>/replies")
def post_reply(ticket_id: str) -> Response[str]:
    """Record a reply (stops the SLA clock) and send it on the customer's channel.

    ``Idempotency-Key`` makes a retried click return the first outcome instead of posting twice.
    201 when sent; 202 when recorded but the platform refused or failed (retried if retryable).
    """
    from socialdesk.logic.respond import ReplyRequest

    principal = current_principal()
    request = _body(ReplyRequest)
    key = (app.current_event.headers or {}).get("idempotency-key")
    outcome = reply_service().reply(principal, ticket_id, request, key)
    metrics.add_metric(name=f"Replies_{outcome['status']}", unit="Count", value=1)
    return _json(201 if outcome["status"] == "sent" else 202, outcome)


@app.post("/tickets/<ticket_id>/assign")
def post_assign(ticket_id: str) -> dict[str, Any]:
    """Assign the ticket to an agent and/or move it to a team."""
    from socialdesk.logic.respond import AssignRequest, assign

    svc = services()
    ticket = assign(
        current_principal(),
        ticket_id,
        _body(AssignRequest),
        now(),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    return ticket.model_dump(mode="json")


@app.post("/tickets/<ticket_id>/resolve")
def post_resolve(ticket_id: str) -> dict[str, Any]:
    """Resolve the ticket (the clock stops; it leaves the due index)."""
    from socialdesk.logic.respond import ResolveRequest, resolve

    svc = services()
    ticket = resolve(
        current_principal(),
        ticket_id,
        _body(ResolveRequest),
        now(),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    return ticket.model_dump(mode="json")


@app.post("/tickets/<ticket_id>/reopen")
def post_reopen(ticket_id: str) -> dict[str, Any]:
    """Reopen a resolved ticket (the next-response clock runs again)."""
    from socialdesk.logic.respond import reopen

    svc = services()
    ticket = reopen(
        current_principal(), ticket_id, now(), tickets=svc.tickets, policy=svc.policies.routing_policy()
    )
    return ticket.model_dump(mode="json")


@app.get("/reports/sla")
def get_sla_report() -> dict[str, Any]:
    """First-response p50/p90, SLA compliance and breaches by level for a team and period."""
    from socialdesk.logic.reports import sla_report

    params = app.current_event.query_string_parameters or {}
    return sla_report(
        current_principal(),
        params.get("team"),
        params.get("from"),
        params.get("to"),
        tickets=services().tickets,
        now=now(),
    ).model_dump(mode="json")


@app.get("/config/policy")
def get_policy() -> dict[str, Any]:
    """The routing rules, SLA policies, calendars and escalation policies (leads and admins)."""
    from socialdesk.logic.configure import read_policy

    return read_policy(current_principal(), store=services().policies)


@app.put("/config/policy")
def put_policy() -> dict[str, Any]:
    """Replace the policy document (admins; optimistic concurrency on ``version``; audited)."""
    from socialdesk.logic.configure import PolicyChange, change_policy

    return change_policy(current_principal(), _body(PolicyChange), now(), store=services().policies)


@app.get("/config/policy/audit")
def get_policy_audit() -> dict[str, Any]:
    """Who changed the policy, when (leads and admins)."""
    from socialdesk.logic.configure import policy_audit

    return policy_audit(current_principal(), store=services().policies)


@app.get("/incidents")
def get_incidents() -> dict[str, Any]:
    """Open incidents the caller can see, newest first."""
    from socialdesk.logic.incidents import list_incidents

    found = list_incidents(current_principal(), incidents=services().incidents)
    return {"incidents": [i.model_dump(mode="json") for i in found]}


@app.get("/incidents/<incident_id>")
def get_incident(incident_id: str) -> dict[str, Any]:
    """An incident with its tickets, counts and first/last seen."""
    from socialdesk.logic.incidents import show_incident

    svc = services()
    view = show_incident(current_principal(), incident_id, incidents=svc.incidents, tickets=svc.tickets)
    return view.model_dump(mode="json")


@app.post("/incidents/<incident_id>/replies")
def post_incident_reply(incident_id: str) -> Response[str]:
    """One text to every linked customer, each on their own channel, once each (``Idempotency-Key``)."""
    from socialdesk.logic.incidents import IncidentReplyRequest, reply_to_incident

    key = (app.current_event.headers or {}).get("idempotency-key")
    if not key:
        raise PayloadInvalid("an Idempotency-Key header is required: it makes the reply go out once")
    svc = services()
    outcome = reply_to_incident(
        current_principal(),
        incident_id,
        _body(IncidentReplyRequest),
        key,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        replies=svc.tickets,
        mentions=svc.mentions,
    )
    return _json(202, outcome.model_dump(mode="json"))


@app.post("/incidents/<incident_id>/resolve")
def post_incident_resolve(incident_id: str) -> dict[str, Any]:
    """Resolve the incident and its open tickets."""
    from socialdesk.logic.incidents import resolve_incident
    from socialdesk.logic.respond import ResolveRequest

    svc = services()
    request = _body(ResolveRequest)
    incident = resolve_incident(
        current_principal(),
        incident_id,
        request.resolution,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    return incident.model_dump(mode="json")


@app.post("/privacy/erasures")
def post_erasure() -> Response[str]:
    """Record a person's erasure request (admins); it is carried out from the stream."""
    from socialdesk.logic.privacy_requests import ErasureRequest, request_erasure

    recorded = request_erasure(
        current_principal(), _body(ErasureRequest), now(), erasures=services().erasures
    )
    return _json(202, recorded.model_dump(mode="json"))


@app.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The agent API's OpenAPI 3 document (public: it holds no data)."""
    return openapi()


def openapi() -> dict[str, Any]:
    """powertools' route inventory, completed with request bodies and the bearer-token scheme."""
    import json

    from pydantic import BaseModel

    from socialdesk.logic.configure import PolicyChange
    from socialdesk.logic.incidents import IncidentReplyRequest
    from socialdesk.logic.privacy_requests import ErasureRequest
    from socialdesk.logic.respond import AssignRequest, ReplyRequest, ResolveRequest

    document = json.loads(
        app.get_openapi_json_schema(
            title="SocialDesk agent API",
            version="0.1.0",
            description="Queues, tickets, replies and policy for support agents. Every route except this "
            "document needs a bearer JWT whose claims carry `teams` and `role`.",
        )
    )
    bodies: dict[tuple[str, str], type[BaseModel]] = {
        ("/tickets/{ticket_id}/replies", "post"): ReplyRequest,
        ("/tickets/{ticket_id}/assign", "post"): AssignRequest,
        ("/tickets/{ticket_id}/resolve", "post"): ResolveRequest,
        ("/config/policy", "put"): PolicyChange,
        ("/privacy/erasures", "post"): ErasureRequest,
        ("/incidents/{incident_id}/replies", "post"): IncidentReplyRequest,
        ("/incidents/{incident_id}/resolve", "post"): ResolveRequest,
    }
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for (path, method), model in bodies.items():
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
        }
    replies = document["paths"].get("/tickets/{ticket_id}/replies", {}).get("post")
    if replies is not None:
        replies.setdefault("parameters", []).append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "A retried click with the same key returns the first outcome; posts once.",
            }
        )
    document["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    document["security"] = [{"bearer": []}]
    document["paths"].get("/openapi.json", {}).get("get", {})["security"] = []
    return document


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


@app.exception_handler(IdempotencyValidationError)
def _key_reused(error: Exception) -> Response[str]:
    return _json(
        422,
        {
            "error": "idempotency_key_reused",
            "reason": "this Idempotency-Key was already used for a different reply",
        },
    )


@app.exception_handler(IdempotencyAlreadyInProgressError)
def _in_progress(error: Exception) -> Response[str]:
    return _json(409, {"error": "in_progress", "reason": "the same reply is being sent; retry shortly"})


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
