"""The desk teaches the model, end to end on the local stack: corrections through the agent API (and from
desk actions), stored once, read by the scheduled refit (RefitFunction, its template policy enforced)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from local.gateway import LocalGateway
from local.stack import LocalStack
from local.template import ROOT
from socialdesk.domain.correction import Correction
from tests.conftest import TEST_NOW
from tests.support.routing import call, deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my bag never arrived in Lisbon and nobody answers the phone, worst service"


def corrections_in_table(gateway: LocalGateway) -> list[dict[str, Any]]:
    client = gateway.stack.client("dynamodb")
    items = client.scan(TableName=gateway.stack.environment["TABLE_NAME"])["Items"]
    return [i for i in items if i["PK"]["S"].startswith("CORRECTION#")]


def refit(stack: LocalStack, **extra: Any) -> dict[str, Any]:
    """Invoke RefitFunction with events/schedules/refit.json's input, an hour after the corrections."""
    event = json.loads((ROOT / "events/schedules/refit.json").read_text(encoding="utf-8"))
    event["scheduled_time"] = (TEST_NOW + timedelta(hours=1)).isoformat()
    return dict(quiet(stack.invoke, "RefitFunction", {**event, **extra}))


def test_a_correction_through_the_api_is_stored_once_and_counted_by_the_refit(gateway: LocalGateway) -> None:
    # Given a routed complaint in customer-care
    deliver(gateway, tweet(1, COMPLAINT))
    ticket = ticket_of(gateway, 1)
    assert ticket is not None and ticket["team"] == "customer-care"
    path = f"/tickets/{ticket['ticket_id']}/corrections"

    # When an agent of the team says it was a question, and the click is retried
    first = call(gateway, "POST", path, {"kind": "intent", "intent": "question", "topic": "baggage"})
    again = call(gateway, "POST", path, {"kind": "intent", "intent": "question", "topic": "baggage"})

    # Then it is stored once, with the customer's message and what routing had decided
    assert first.status == 201, first.body
    assert again.status == 201 and again.json() == first.json()
    stored = Correction.model_validate(first.json())
    assert stored.text.startswith("@SkyHighAir my bag never arrived")
    assert (stored.predicted_team, stored.agent, stored.corrected_topic) == (
        "customer-care",
        "agent-ann",
        "baggage",
    )
    assert stored.label is not None and stored.label.value == "question"
    assert stored.model_version
    assert len(corrections_in_table(gateway)) == 1

    # And the scheduled refit reads it (too few corrections to publish: nothing is)
    outcome = refit(gateway.stack)
    assert outcome["trained_on"] + outcome["held_out"] == 1
    assert outcome["published"] is False and "not enough corrections" in outcome["reason"]
    assert gateway.stack.iam.denied == []


def test_contradictions_and_other_teams_tickets_are_refused(gateway: LocalGateway) -> None:
    deliver(gateway, tweet(2, COMPLAINT))
    ticket = ticket_of(gateway, 2)
    assert ticket is not None
    path = f"/tickets/{ticket['ticket_id']}/corrections"
    # an intent correction without an intent: 422 with the reason
    missing = call(gateway, "POST", path, {"kind": "intent"})
    assert missing.status == 422 and "names the corrected intent" in missing.json()["reason"], missing.body
    # a team the policy does not name: 422; an unknown kind or field: 400
    unknown_team = call(gateway, "POST", path, {"kind": "team", "team": "nobody-here"})
    assert unknown_team.status == 422, unknown_team.body
    assert call(gateway, "POST", path, {"kind": "maybe"}).status == 400
    assert call(gateway, "POST", path, {"kind": "spam", "why": "bot"}).status == 400
    # an agent of another team does not see the ticket
    assert call(gateway, "POST", path, {"kind": "spam"}, teams="billing").status == 404
    assert corrections_in_table(gateway) == []


def test_moving_a_ticket_and_resolving_one_as_spam_record_corrections_the_refit_counts(
    gateway: LocalGateway,
) -> None:
    # Given two routed complaints in customer-care, one of them a bot posting the same words
    deliver(gateway, tweet(3, COMPLAINT), tweet(4, COMPLAINT, user="77", handle="promo"))
    moved, junk = ticket_of(gateway, 3), ticket_of(gateway, 4)
    assert moved is not None and junk is not None
    assert moved["team"] == junk["team"] == "customer-care" and junk["intent"] != "spam"
    # When an agent moves one to billing and resolves the other as spam
    assert call(gateway, "POST", f"/tickets/{moved['ticket_id']}/assign", {"team": "billing"}).status == 200
    resolved = call(gateway, "POST", f"/tickets/{junk['ticket_id']}/resolve", {"resolution": "spam"})
    assert resolved.status == 200, resolved.body
    # Then each is a correction (the move keeps the intent the agent saw), and the refit counts both
    kinds = sorted(i["correction"]["M"]["kind"]["S"] for i in corrections_in_table(gateway))
    assert kinds == ["spam", "team"]
    outcome = refit(gateway.stack)
    assert outcome["trained_on"] + outcome["held_out"] == len(kinds)
    assert gateway.stack.iam.denied == []


def test_the_refit_schedule_is_off_unless_the_parameter_sets_one() -> None:
    # Given the template's defaults: RefitSchedule=none leaves the schedule disabled, never ticked
    default = LocalStack()
    try:
        assert "RefitFunction" not in {s["function"] for s in default.schedules()}
        results = quiet(default.tick, TEST_NOW.replace(hour=0, minute=0))
        assert not any(isinstance(r, dict) and "trained_on" in r for r in results)
    finally:
        default.close()
    # When the parameter names a rate, the local scheduler runs it like the others
    weekly = LocalStack(parameter_overrides={"RefitSchedule": "rate(1 day)"})
    try:
        (schedule,) = [s for s in weekly.schedules() if s["function"] == "RefitFunction"]
        assert schedule["expression"] == "rate(1 day)"
        results = quiet(weekly.tick, TEST_NOW.replace(hour=0, minute=0))
        assert any(isinstance(r, dict) and "trained_on" in r for r in results)
    finally:
        weekly.close()
