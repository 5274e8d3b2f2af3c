"""Serve the template's HTTP API on 127.0.0.1 (port from PORT, default 3000) until stopped."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local.gateway import LocalGateway
from local.stack import LocalStack


def make_server(gateway: LocalGateway, port: int) -> ThreadingHTTPServer:
    """A threading HTTP server that hands every request to ``gateway``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items()}
            response = gateway.request(self.command, self.path, headers, body)
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def background(stack: LocalStack, stop: threading.Event) -> None:
    """What AWS does on its own: poll the stream (routing) each second, fire the schedule each minute."""
    last_tick = 0.0
    while not stop.is_set():
        try:
            stack.pump()
            if time.time() - last_tick >= 60:
                last_tick = time.time()
                stack.tick(datetime.now(UTC).replace(second=0, microsecond=0))
        except Exception as error:
            print(f"background: {type(error).__name__}: {error}", file=sys.stderr)
        stop.wait(1.0)


def main() -> None:
    """Build the local stack and serve until interrupted."""
    port = int(os.environ.get("PORT") or 3000)
    stack = LocalStack(parameter_overrides={"Stage": "local"})
    gateway = LocalGateway(stack)
    server = make_server(gateway, port)
    stop = threading.Event()
    threading.Thread(target=background, args=(stack, stop), daemon=True, name="aws-background").start()
    print(f"SocialDesk local API on http://127.0.0.1:{port}  (routes:", file=sys.stderr)
    for route in stack.routes:
        auth = " [JWT]" if route.authorizer else ""
        print(f"  {route.route_key}{auth}", file=sys.stderr)
    print("  GET /swagger (Swagger UI)", file=sys.stderr)
    print(
        ")  the stream is pumped every second, the escalation schedule fires every minute; Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        stack.close()


if __name__ == "__main__":
    main()
