"""The console's API end to end on the seeded desk (moto, the real state machine, the local platforms):
queue and ticket view, notes, canned responses, merge, assignment, CSAT, proactive follow-up, reports."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from local import platforms as fake
from local.gateway import LocalGateway
from local.scripted_day import MessengerMessage
from local.seed import Seeded, local_desk, seed
from socialdesk import bootstrap
from tests.conftest import TEST_NOW
from tests.support.routing import call, quiet

NOW = TEST_NOW


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[LocalGateway, fake.FakePlatforms, Seeded]]:
    original = bootstrap.clock
    bootstrap.clock = lambda: NOW
    try:
        with local_desk() as (gateway, platforms), contextlib.redirect_stdout(io.StringIO()):
            yield gateway, platforms, seed(gateway, NOW)
    finally:
        bootstrap.clock = original


def ticket_id_of(gateway: LocalGateway, seeded: Seeded, label: str, teams: str = "customer-care") -> str:
    channel, external_id = seeded.mentions[label]
    found = call(gateway, "GET", f"/mentions/{channel}/{external_id}", role="admin")
    assert found.status == 200, found.body
    return str(found.json()["ticket_id"])


def view(gateway: LocalGateway, ticket_id: str, teams: str = "customer-care") -> dict[str, Any]:
    response = call(gateway, "GET", f"/tickets/{ticket_id}", teams=teams)
    assert response.status == 200, response.body
    return dict(response.json())


def test_the_queue_and_a_ticket_with_its_context_and_reply_limits(seeded: Any) -> None:
    gateway, _, desk = seeded
    queue = call(gateway, "GET", "/tickets?team=customer-care").json()
    channels = {t["channel"] for t in queue["tickets"]}
    assert {"x", "messenger", "generic"} <= channels
    ranks = [(t["priority"], t["response"]["deadline"]) for t in queue["tickets"]]
    assert ranks == sorted(ranks, key=lambda r: ({"urgent": 0, "high": 1, "normal": 2, "low": 3}[r[0]], r[1]))
    ticket = view(gateway, ticket_id_of(gateway, desk, "ann-cancelled"))
    roles = [(m["author"], m["is_customer"]) for m in ticket["messages"]]
    assert roles == [("@ann_travels", True), ("@jo_flies", False)]  # the stranger is context
    assert ticket["reply_limits"] == {"public": 280, "private": 10_000}
    assert ticket["ticket"]["rule"] and ticket["events"][0]["type"] == "TicketOpened"


def test_canned_response_note_reply_and_merge(seeded: Any) -> None:
    gateway, platforms, desk = seeded
    first = ticket_id_of(gateway, desk, "ann-cancelled")
    second = ticket_id_of(gateway, desk, "ann-again")
    # a canned response filled in for Ann
    canned = call(gateway, "GET", f"/tickets/{first}/canned-responses").json()["responses"]
    sorry = next(c for c in canned if c["title"].startswith("Sorry"))
    assert sorry["text"].startswith("Hi @ann_travels, I'm so sorry") and "agent-ann" in sorry["text"]
    # an agent can read but not manage canned responses
    refused = call(gateway, "POST", "/canned-responses", {"team": "customer-care", "title": "x", "text": "y"})
    assert refused.status == 403
    # reply with it: the local X receives a reply tweet within 280 characters
    sent = call(gateway, "POST", f"/tickets/{first}/replies", {"text": sorry["text"][:280]}, key="c-1")
    assert sent.status == 201, sent.body
    assert platforms.requests[-1].path.endswith("/2/tweets")
    # an internal note: audited, never sent
    before = len(platforms.requests)
    noted = call(gateway, "POST", f"/tickets/{first}/notes", {"text": "Rebooked on SH14, call back"})
    assert noted.status == 201
    quiet(gateway.stack.pump)
    assert len(platforms.requests) == before
    assert [n["text"] for n in view(gateway, first)["notes"]] == ["Rebooked on SH14, call back"]
    # merge Ann's second thread into the first: combined, and the loser redirects
    merged = call(gateway, "POST", f"/tickets/{second}/merge", {"into": first})
    assert merged.status == 200, merged.body
    quiet(gateway.stack.pump)
    winner = view(gateway, first)
    assert len([m for m in winner["messages"] if m["is_customer"]]) == 2
    assert second in winner["ticket"]["merged_from"]
    assert "TicketMerged" in {e["type"] for e in winner["events"]}
    assert view(gateway, second)["ticket"]["merged_into"] == first
    # merging a different customer's ticket is refused with the reason
    other = ticket_id_of(gateway, desk, "rv-never")
    refused = call(gateway, "POST", f"/tickets/{other}/merge", {"into": first})
    assert refused.status == 422 and "same customer" in refused.json()["reason"]


def test_agents_online_get_new_tickets_least_open_and_going_away_hands_them_over(seeded: Any) -> None:
    gateway = seeded[0]
    for agent in ("agent-cat", "agent-dan"):
        online = call(gateway, "PUT", "/agents/me/availability", {"status": "online"}, subject=agent)
        assert online.status == 200, online.body
    late = MessengerMessage(
        "ms-late", "Rui Costa", "My flight was cancelled and I need a hotel, nobody helps"
    )
    delivery = late.delivery(NOW - timedelta(minutes=1), None)  # type: ignore[arg-type]
    assert quiet(gateway.request, "POST", delivery.path, delivery.headers, delivery.body).status == 200
    quiet(gateway.stack.pump)
    ticket = view(
        gateway,
        call(gateway, "GET", f"/mentions/messenger/{delivery.external_id}", role="admin").json()["ticket_id"],
    )
    assignee = ticket["ticket"]["assignee"]
    assert assignee in ("agent-cat", "agent-dan")
    assert any(e["type"] == "TicketAssigned" and e["actor"] == "system:assignment" for e in ticket["events"])
    roster = call(gateway, "GET", "/agents?team=customer-care").json()
    assert roster["mode"] == "least_open"
    before = {a["subject"]: a["open_tickets"] for a in roster["agents"]}
    assert before[assignee] == 1
    # the assignee goes away: the ticket goes to the other agent, audited
    away = call(gateway, "PUT", "/agents/me/availability", {"status": "away"}, subject=assignee)
    other = {"agent-cat", "agent-dan"} - {assignee}
    assert set(away.json()["reassigned"].values()) == other
    # and each agent's open tickets follow the ticket (the roster counts them; the queue is not read)
    (taker,) = other
    quiet(gateway.stack.pump)
    held = {
        a["subject"]: a["open_tickets"]
        for a in call(gateway, "GET", "/agents?team=customer-care").json()["agents"]
    }
    assert held == {assignee: 0, taker: before[taker] + 1}
    ticket_id = ticket["ticket"]["ticket_id"]
    resolved = call(
        gateway, "POST", f"/tickets/{ticket_id}/resolve", {"resolution": "answered"}, subject=taker
    )
    assert resolved.status == 200, resolved.body
    quiet(gateway.stack.pump)
    roster = call(gateway, "GET", "/agents?team=customer-care").json()
    assert {a["subject"]: a["open_tickets"] for a in roster["agents"]} == {assignee: 0, taker: before[taker]}


def test_a_resolved_messenger_conversation_gets_a_survey_and_its_answer_is_reported(seeded: Any) -> None:
    gateway, platforms, desk = seeded
    ticket_id = ticket_id_of(gateway, desk, "ms-question")
    assert (
        call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "Yes, from 2 December!"}).status
        == 201
    )
    resolved = call(gateway, "POST", f"/tickets/{ticket_id}/resolve", {"resolution": "answered"})
    assert resolved.status == 200 and resolved.json()["csat"]["requested_at"]
    quiet(gateway.stack.pump)
    survey = platforms.requests[-1]
    assert survey.path.endswith("/me/messages") and "How did we do?" in survey.body["message"]["text"]
    answer = MessengerMessage("ms-question", "Nina Berg", "5").delivery(NOW + timedelta(minutes=5), None)  # type: ignore[arg-type]
    body = json.loads(answer.body)
    body["entry"][0]["messaging"][0]["message"]["mid"] += "-answer"
    from tests.support.platforms import post_meta

    assert quiet(post_meta, gateway, body).status == 200
    quiet(gateway.stack.pump)
    ticket = view(gateway, ticket_id)["ticket"]
    assert (ticket["status"], ticket["csat"]["score"]) == ("resolved", 5)
    report = call(
        gateway, "GET", "/reports/desk?teams=customer-care&from=2026-11-22T00:00:00Z&to=2026-11-24T00:00:00Z"
    )
    assert report.status == 200, report.body
    figures = report.json()
    assert figures["csat"]["answered"] == 1 and figures["csat"]["average"] == 5
    assert sum(b["count"] for b in figures["first_response_distribution"]) == figures["answered"]
    assert figures["compliance_by_team"][0]["key"] == "customer-care"


def test_a_follow_up_goes_out_where_the_platform_allows_it_and_is_refused_where_not(seeded: Any) -> None:
    gateway, platforms, _ = seeded
    whatsapp = {
        "channel": "whatsapp",
        "customer_id": "351900000001",
        "brand_account": platforms.phone_number_id,
        "team": "customer-care",
        "reason": "order_delivered",
    }
    refused = call(gateway, "POST", "/outreach", {**whatsapp, "text": "Your order arrived?"})
    assert refused.status == 422 and "template" in refused.json()["reason"]
    template = {"name": "order_delivered", "language": "en_US", "parameters": ["5521"]}
    queued = call(gateway, "POST", "/outreach", {**whatsapp, "template": template})
    assert queued.status == 202, queued.body
    quiet(gateway.stack.pump)
    sent = platforms.requests[-1]
    assert sent.body["type"] == "template" and sent.body["template"]["name"] == "order_delivered"
    assert sent.body["template"]["components"][0]["parameters"] == [{"type": "text", "text": "5521"}]
    ticket = view(gateway, queued.json()["ticket_id"])["ticket"]
    assert (ticket["status"], ticket["outreach"]) == ("pending", "order_delivered")
    facebook = call(gateway, "POST", "/outreach", {**whatsapp, "channel": "facebook", "text": "hi"})
    assert facebook.status == 422 and "cannot start a conversation" in facebook.json()["reason"]


def test_the_escalation_run_reassigns_to_an_agent_the_escalation_team_chooses(seeded: Any) -> None:
    """Last in this module: it changes the policy and escalates the seeded desk."""
    gateway, _, desk = seeded
    current = call(gateway, "GET", "/config/policy", role="admin").json()
    policy = current["policy"]
    policy["assignment"]["teams"]["escalations"] = {"mode": "round_robin", "max_open_per_agent": 50}
    changed = call(
        gateway, "PUT", "/config/policy", {"version": current["version"], "policy": policy}, role="admin"
    )
    assert changed.status == 200, changed.body
    online = call(
        gateway, "PUT", "/agents/me/availability", {"status": "online"}, teams="escalations", subject="esme"
    )
    assert online.status == 200, online.body
    ticket_id = ticket_id_of(
        gateway, desk, "rv-never"
    )  # normal priority: 4 h to the breach, reassign 30 min later
    quiet(gateway.stack.tick, NOW + timedelta(hours=4, minutes=45))
    quiet(gateway.stack.pump)
    ticket = view(gateway, ticket_id, teams="escalations")["ticket"]
    assert (ticket["team"], ticket["assignee"]) == ("escalations", "esme")
