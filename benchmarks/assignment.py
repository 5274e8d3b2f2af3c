"""Assignment cost against the backlog: what the outbox reads to give a new ticket an agent when the
team already has many open tickets (figures only).

``ASSIGNMENT_BACKLOG`` (default 300) airline complaints are routed first with nobody online (they
wait, unassigned, in customer-care, whose rule is least-open); then three agents come online (their
roster items are written directly: an agent coming online through the API also hands the waiting
tickets out, which is not what is measured here), and ``ASSIGNMENT_NEW`` (default 50) more complaints
go through the whole route under the cost meter (benchmarks/costs.py). Printed: the outbox's calls
and read units per new mention, the read units by item kind, and what that costs per million.
"""

from __future__ import annotations

import os

from benchmarks.costs import PRICES
from benchmarks.routing import _texts, delivery


def main() -> None:
    """Route the backlog, put agents online, then meter new complaints' routing and assignment."""
    from benchmarks.costs import Meter
    from local.gateway import LocalGateway
    from local.stack import LocalStack
    from socialdesk import bootstrap
    from socialdesk.dal.agents import DynamoAgentDirectory
    from socialdesk.domain.assignment import AgentState
    from socialdesk.domain.ticket import TicketStatus
    from socialdesk.logic.queues import team_tickets
    from tests.support.fakes import NOW
    from tests.support.platforms import post_x

    backlog = int(os.environ.get("ASSIGNMENT_BACKLOG", "300"))
    new = int(os.environ.get("ASSIGNMENT_NEW", "50"))
    stack = LocalStack()
    gateway = LocalGateway(stack)
    texts = _texts(backlog + new)
    meter = Meter(stack)
    meter.install()
    try:
        for i, text in enumerate(texts[:backlog]):
            assert post_x(gateway, delivery(i, text)).status == 200
            if i % 25 == 24:
                stack.pump(timeout=600)
        stack.pump(timeout=600)
        waiting = len(team_tickets(bootstrap.services().tickets, "customer-care", (TicketStatus.OPEN,)))
        agents = DynamoAgentDirectory(stack.client("dynamodb"), stack.environment["TABLE_NAME"])
        for subject in ("agent-ann", "agent-bob", "agent-cat"):
            agents.put(AgentState(subject=subject, team="customer-care", cap=1000, updated_at=NOW))
        meter.reset()
        for i, text in enumerate(texts[backlog:], start=backlog):
            assert post_x(gateway, delivery(i, text)).status == 200
            if i % 25 == 24:
                stack.pump(timeout=600)
        stack.pump(timeout=600)
    finally:
        meter.uninstall()
        stack.close()
    tally = meter.tally
    outbox = tally.calls_by_function.get("OutboxFunction", {})
    attempts = outbox.get("dynamodb:GetItem", 0)  # an assignment reads its ticket once
    print(
        f"== Assignment: {new} new airline complaints after {backlog}; {waiting} tickets waiting in "
        f"customer-care (least-open, 3 agents online); the outbox tried {attempts} assignments"
    )
    print(
        "  outbox calls per new mention: "
        + ", ".join(f"{k} {v / new:.2f}" for k, v in sorted(outbox.items()))
    )
    print(
        f"  read units per new mention: {tally.rru / new:.2f} ("
        + ", ".join(f"{k} {v / new:.2f}" for k, v in tally.rru_by.most_common(6))
        + f"): ${tally.rru / new * 1e6 * PRICES['dynamodb_rru']:.2f} per million mentions of reads"
    )


if __name__ == "__main__":
    main()
