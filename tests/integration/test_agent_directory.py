"""The roster adapter on the template's table: the tickets an agent holds are a set that availability
changes keep, that a redelivered change does not double, and that an agent off the roster never gets."""

from __future__ import annotations

from local.stack import LocalStack
from socialdesk.dal.agents import DynamoAgentDirectory
from socialdesk.domain.assignment import AgentState, Availability
from tests.support.fakes import NOW


def test_held_tickets_survive_availability_changes_and_count_once(stack: LocalStack) -> None:
    agents = DynamoAgentDirectory(stack.client("dynamodb"), stack.environment["TABLE_NAME"])
    agents.put(AgentState(subject="ann", team="care", cap=5, updated_at=NOW, updated_by="ann"))
    agents.holds("care", "ann", "T-1")
    agents.holds("care", "ann", "T-1")  # the same change delivered twice
    agents.holds("care", "ann", "T-2")
    # going away (a put of the agent's state) keeps what she holds, and drops the cap it no longer sets
    agents.put(AgentState(subject="ann", team="care", availability=Availability.AWAY, updated_at=NOW))
    (ann,) = agents.roster("care")
    assert (ann.availability, ann.cap, ann.open_tickets) == (Availability.AWAY, None, {"T-1", "T-2"})
    agents.released("care", "ann", "T-1")
    agents.released("care", "ann", "T-1")
    assert agents.get("care", "ann").open_tickets == {"T-2"}  # type: ignore[union-attr]
    agents.released("care", "ann", "T-2")  # the last one: DynamoDB drops an emptied set
    assert agents.get("care", "ann").open_tickets == frozenset()  # type: ignore[union-attr]
    # an assignee not on the roster: nothing is written for them
    agents.holds("care", "zed", "T-3")
    assert [a.subject for a in agents.roster("care")] == ["ann"]
