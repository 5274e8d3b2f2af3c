"""The local runtime isolates concurrent invocations as Lambda does: no request sees another's state."""

from __future__ import annotations

import json
import threading
from typing import Any

from local import platforms as fake
from local.gateway import LocalGateway
from local.token import mint
from tests.support.routing import deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight was cancelled and nobody answers the phone. Worst airline ever #{n}"


def concurrently(calls: list[Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twelve_agents_replying_at_once_each_store_their_own_reply(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    deliver(
        desk, *[tweet(300 + i, COMPLAINT.format(n=i), user=str(900 + i), handle=f"q{i}") for i in range(12)]
    )
    tickets = [ticket_of(desk, 300 + i)["ticket_id"] for i in range(12)]

    def reply(i: int) -> Any:
        headers = {
            "authorization": f"Bearer {mint([], 'admin', f'agent-{i}')}",
            "content-type": "application/json",
            "idempotency-key": f"k-{i}",
        }
        body = json.dumps({"text": f"reply number {i} for ticket {tickets[i]}"}).encode()
        return desk.request("POST", f"/tickets/{tickets[i]}/replies", headers, body)

    with quiet_outputs():
        responses = concurrently([lambda i=i: reply(i) for i in range(12)])
    assert all(r.status in (201, 202) for r in responses), [r.body for r in responses]
    for i, ticket_id in enumerate(tickets):
        view = quiet(
            desk.request, "GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {mint([], 'admin')}"}
        )
        (stored,) = view.json()["replies"]
        assert stored["text"] == f"reply number {i} for ticket {ticket_id}"
        assert stored["author"] == f"agent-{i}"
    assert desk.stack.functions["AgentApiFunction"].overlapped > 0  # the requests really overlapped


def test_concurrent_reads_across_teams_return_only_the_callers_tickets(gateway: LocalGateway) -> None:
    deliver(
        gateway,
        tweet(1, "@SkyHighAir where is my refund? I was charged twice"),
        tweet(2, COMPLAINT.format(n=0), user="8", handle="b"),
    )
    billing, care = ticket_of(gateway, 1), ticket_of(gateway, 2)
    assert {billing["team"], care["team"]} == {"billing", "customer-care"}

    def read(team: str, ticket_id: str) -> Any:
        return gateway.request("GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {mint([team])}"})

    calls = []
    for i in range(64):
        mine = billing if i % 2 else care
        calls.append(lambda t=mine: (t, read(t["team"], t["ticket_id"])))
        other = care if i % 2 else billing
        calls.append(lambda t=mine, o=other: (None, read(t["team"], o["ticket_id"])))
    with quiet_outputs():
        results = concurrently(calls)
    for expected, response in results:
        if expected is None:
            assert response.status == 404
        else:
            assert response.status == 200 and response.json()["ticket"]["ticket_id"] == expected["ticket_id"]


def quiet_outputs() -> Any:
    import contextlib
    import io

    return contextlib.redirect_stdout(io.StringIO())
