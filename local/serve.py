"""Serve the console and the template's HTTP API on 127.0.0.1 (port from PORT, default 3000) until stopped.

By default the desk starts seeded (``SEED=0``: empty) and replies go to the local platform server
(``PLATFORMS=real``: to the real X and Graph hosts, with your outbound credentials). The desk is
kept across a restart: a snapshot of the local state is written on stop and loaded on start
(``FRESH=1`` starts from nothing; ``SNAPSHOT`` names the file, default ``.local/desk.json.gz``).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local import snapshot
from local.console_site import ConsoleSite
from local.gateway import LocalGateway
from local.seed import README_TWEET, local_desk, seed, teams_of
from local.stack import LocalStack

#: a webhook waits while this many stream records wait to be routed (a dispatch batch)
ROUTING_BACKLOG = 25
#: ... but never longer than this
LONGEST_WAIT_SECONDS = 5.0


def make_server(
    gateway: LocalGateway,
    port: int,
    site: ConsoleSite | None = None,
    *,
    log: bool = True,
    yield_to_routing: bool = False,
) -> ThreadingHTTPServer:
    """A threading HTTP server: the console's files first (``site``), then ``gateway``.

    Requests are served concurrently; the local runtime isolates each function invocation as
    Lambda does (a handler that keeps per-invocation state in module globals runs one at a time).

    ``yield_to_routing`` (when a background loop pumps the stream): a webhook POST waits while a
    batch of stream records waits to be routed. In AWS the webhook and the routing run on their own
    compute; here they share one interpreter, and webhooks that always win leave routing minutes
    behind under load. Waiting slows the acknowledgements instead, which is what a local desk can
    honestly show.
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items()}
            if yield_to_routing and self.command == "POST" and self.path.startswith("/webhooks/"):
                _wait_for_routing(gateway.stack)
            response = site.handle(self.command, self.path.split("?", 1)[0], body) if site else None
            if response is None:
                response = gateway.request(self.command, self.path, headers, body)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, fmt: str, *args: object) -> None:
            if log:
                sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    server = _DeskServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


class _DeskServer(ThreadingHTTPServer):
    """The served desk's listener: a console opening many connections at once, or four replay clients
    and a dozen agents, must queue, not be reset (socketserver's default backlog is 5)."""

    request_queue_size = 128


def _wait_for_routing(stack: LocalStack) -> None:
    stack.streams.wait_for_backlog_below(ROUTING_BACKLOG, LONGEST_WAIT_SECONDS)


#: how often the stream is polled when it is quiet (Lambda polls a stream shard four times a second)
POLL_SECONDS = 0.25


def background(stack: LocalStack, stop: threading.Event) -> None:
    """What AWS does on its own: poll the stream (routing) 4 times a second, fire the schedule each minute."""
    last_tick = 0.0
    while not stop.is_set():
        busy = False
        try:
            delivered, waited = stack.pump_round()
            busy = bool(delivered or waited)
            if time.time() - last_tick >= 60:
                last_tick = time.time()
                stack.tick(datetime.now(UTC).replace(second=0, microsecond=0))
        except Exception as error:
            print(f"background: {type(error).__name__}: {error}", file=sys.stderr)
        if not busy:  # a busy stream is polled again at once, as Lambda's poller does
            stop.wait(POLL_SECONDS)


@contextmanager
def desk() -> Iterator[tuple[LocalGateway, str]]:
    """The stack (replies to the local platform server unless PLATFORMS=real) and where replies go.

    The functions log warnings only and publish no metric lines unless VERBOSE=1.
    """
    overrides = {} if os.environ.get("VERBOSE") == "1" else {"LogLevel": "WARNING"}
    if overrides:
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    if os.environ.get("PLATFORMS", "local") == "real":
        stack = LocalStack(parameter_overrides={"Stage": "local", **overrides})
        try:
            with _long_lived_heap():
                yield (
                    LocalGateway(stack),
                    "the real platforms (PLATFORMS=real; outbound credentials from env)",
                )
        finally:
            stack.close()
        return
    with local_desk(overrides) as (gateway, platforms), _long_lived_heap():
        yield gateway, f"the local platform server {platforms.base_url} (checks requests as X and Meta do)"


@contextmanager
def _long_lived_heap() -> Iterator[None]:
    """Collect less often in a desk that runs for long: its start-up objects (moto, botocore's models,
    the routing model) are frozen out of every collection, and the young generation is collected
    every 20,000 allocations rather than 700. Python's collector took 19 % of a 1,000-tweet replay's
    CPU (8.3 s), 3.9 s after this."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def main() -> None:
    """Build the local stack (seeded), serve the console and the API until interrupted."""
    port = int(os.environ.get("PORT") or 3000)
    kept = Path(os.environ.get("SNAPSHOT") or snapshot.DEFAULT_PATH)
    with desk() as (gateway, replies_to):
        stack = gateway.stack
        seeded = None
        restored = None if os.environ.get("FRESH") == "1" else snapshot.load(stack, kept)
        if restored is None and os.environ.get("SEED", "1") != "0":
            seeded = seed(gateway, datetime.now(UTC))
        teams = teams_of(gateway)
        site = ConsoleSite(lambda: teams)
        server = make_server(gateway, port, site, log=os.environ.get("QUIET") != "1", yield_to_routing=True)
        stop = threading.Event()
        threading.Thread(target=background, args=(stack, stop), daemon=True, name="aws-background").start()
        base = f"http://127.0.0.1:{port}"
        say = _say
        say(f"SocialDesk on {base}")
        say(f"  console   {base}/   (dev sign-in: pick a name, teams and a role)")
        say(f"  API       {base}/swagger   ({len(stack.routes)} routes; /openapi.json)")
        say(f"  replies → {replies_to}")
        if restored is not None:
            say(f"  restored  {restored['items']} items, {restored['objects']} payloads from {kept}")
            say("            (the desk as you left it; make serve FRESH=1 starts empty)")
        if seeded:
            say(f"  seeded    {len(seeded.mentions)} messages on every channel, written minutes ago")
            token = "$(make -s token TEAMS=customer-care)"
            say(f'            e.g. curl -H "authorization: Bearer {token}" {base}/mentions/x/{README_TWEET}')
        say(
            "  the stream is polled 4 times a second, the escalation schedule runs every minute; Ctrl-C stops"
        )
        # SIGTERM stops like Ctrl-C; so does SIGINT even when the parent ignored it (a shell's `&` job
        # starts with SIGINT ignored, and Python then never raises KeyboardInterrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.server_close()
            kept_now = snapshot.save(stack, kept)
            say(f"  kept      {kept_now['items']} items, {kept_now['objects']} payloads in {kept}")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops like Ctrl-C: the snapshot is written


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
