"""`make serve` is faithful under concurrency and keeps the desk across a restart (FRESH=1 starts empty)."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from local import platforms as fake
from local import snapshot
from local.gateway import LocalGateway
from local.serve import make_server
from local.stack import LocalStack
from local.token import mint
from tests.support.archive import archived
from tests.support.routing import deliver, quiet, ticket_of, tweet
from tests.support.serving import serve

COMPLAINT = "@SkyHighAir my flight was cancelled and nobody answers the phone. Worst airline ever #{n}"


def _call(
    address: str, method: str, path: str, token: str, body: Any = None, key: str = ""
) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    if key:
        headers["idempotency-key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://{address}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the local desk
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _all_at_once(calls: list[Any]) -> list[Any]:
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


def test_concurrent_replies_and_reads_through_the_served_desk_never_mix(desk: LocalGateway) -> None:
    # Given twelve customers' tickets, half of them moved to billing
    deliver(
        desk, *[tweet(400 + i, COMPLAINT.format(n=i), user=str(700 + i), handle=f"s{i}") for i in range(12)]
    )
    tickets = [ticket_of(desk, 400 + i)["ticket_id"] for i in range(12)]
    admin = mint([], "admin")
    server = make_server(desk, 0, log=False)
    address = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for ticket_id in tickets[6:]:
            assert (
                _call(address, "POST", f"/tickets/{ticket_id}/assign", admin, {"team": "billing"})[0] == 200
            )

        # When twelve agents reply at once and 64 reads of both teams' queues run alongside
        def reply(i: int) -> Any:
            token = mint([], "admin", f"agent-{i}")
            text = f"reply {i} for {tickets[i]}"
            return _call(address, "POST", f"/tickets/{tickets[i]}/replies", token, {"text": text}, f"k{i}")

        def read(i: int) -> Any:
            team = ("customer-care", "billing")[i % 2]
            return team, _call(address, "GET", f"/tickets?team={team}", mint([team]))

        with contextlib.redirect_stdout(io.StringIO()):
            answers = _all_at_once(
                [lambda i=i: reply(i) for i in range(12)] + [lambda i=i: read(i) for i in range(64)]
            )
    finally:
        server.shutdown()
        server.server_close()

    # Then every ticket stored its own agent's reply, and every read saw only its own team
    assert all(status in (201, 202) for status, _ in answers[:12]), answers[:12]
    for i, ticket_id in enumerate(tickets):
        view = quiet(
            desk.request, "GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {admin}"}
        ).json()
        (stored,) = view["replies"]
        assert (stored["text"], stored["author"]) == (f"reply {i} for {ticket_id}", f"agent-{i}")
    for team, (status, page) in answers[12:]:
        assert status == 200
        assert {t["team"] for t in page["tickets"]} <= {team}
    assert desk.stack.functions["AgentApiFunction"].overlapped > 0  # the requests really overlapped


def test_a_snapshot_restores_the_desk_and_nothing_in_it_is_processed_again(tmp_path: Path) -> None:
    kept = tmp_path / "desk.json.gz"
    with fake.FakePlatforms() as platforms:
        first = LocalStack.replying_to(platforms)
        try:
            gateway = LocalGateway(first)
            deliver(gateway, tweet(1, COMPLAINT.format(n=1)))
            ticket = ticket_of(gateway, 1)
            saved = snapshot.save(first, kept)
        finally:
            first.close()
        second = LocalStack.replying_to(platforms)
        try:
            gateway = LocalGateway(second)
            feed = second.subscribe_queue("restored-feed", ["TicketRouted"])
            restored = snapshot.load(second, kept)
            assert restored == saved and saved["items"] > 0 and saved["objects"] == 0
            assert len(archived(second)) == 1  # the raw payload (a compressed table item) came back
            assert quiet(second.pump) == 0  # the restored items are not routed or notified again
            again = ticket_of(gateway, 1)
            assert again == ticket
            view = quiet(
                gateway.request,
                "GET",
                f"/tickets/{ticket['ticket_id']}",
                {"authorization": f"Bearer {mint([], 'admin')}"},
            ).json()
            assert [e["type"] for e in view["events"]] == ["TicketOpened", "TicketRouted"]
            assert second.client("sqs").receive_message(QueueUrl=feed).get("Messages", []) == []
            # and the desk goes on from there: a new message of the conversation joins the ticket
            deliver(gateway, tweet(2, "@SkyHighAir still nothing", reply_to=1, minute=5))
            assert ticket_of(gateway, 2)["ticket_id"] == ticket["ticket_id"]
        finally:
            second.close()


def test_no_snapshot_means_nothing_restored(tmp_path: Path, stack: LocalStack) -> None:
    assert snapshot.load(stack, tmp_path / "none.json.gz") is None


def test_make_serve_keeps_the_desk_across_a_restart_and_fresh_starts_empty(tmp_path: Path) -> None:
    kept = str(tmp_path / "desk.json.gz")
    command = [".venv/bin/python", "-m", "local.serve"]
    first = serve(command, SNAPSHOT=kept)
    assert "seeded" in first.banner, first.banner
    token = mint(["customer-care"])
    _, before = _call(first.address, "GET", "/tickets?team=customer-care", token)
    assert before["tickets"]
    assert "kept" in first.stop(signal.SIGTERM)  # as a process manager stops it

    again = serve(command, SNAPSHOT=kept)
    try:
        assert "restored" in again.banner and "seeded" not in again.banner, again.banner
        _, after = _call(again.address, "GET", "/tickets?team=customer-care", token)
        assert [t["ticket_id"] for t in after["tickets"]] == [t["ticket_id"] for t in before["tickets"]]
    finally:
        again.stop()

    fresh = serve(command, SNAPSHOT=kept, FRESH="1", SEED="0")
    try:
        assert "restored" not in fresh.banner, fresh.banner
        _, empty = _call(fresh.address, "GET", "/tickets?team=customer-care", token)
        assert empty["tickets"] == []
    finally:
        fresh.stop()
