"""Local stand-ins for the platforms' APIs (X, Graph, WhatsApp, generic callback) on 127.0.0.1.

Used by the tests and the local demo; never deployed.

``FakePlatforms`` listens on ``127.0.0.1`` (OS-assigned port) in a daemon thread and serves:

* X API v2 under ``/x``: ``POST /x/2/tweets`` and
  ``POST /x/2/dm_conversations/with/{participant_id}/messages``, user context: OAuth 1.0a
  (``Authorization: OAuth ...``, HMAC-SHA1 verified as X does: consumer key, access token,
  signature over method, URL and parameters, a timestamp within 300 s of the fake's clock, a nonce
  used once) or an OAuth 2.0 user bearer token, which expires 2 hours after it was issued;
* the Graph API under ``/graph/v21.0``: ``POST /{comment-id}/comments`` and
  ``POST /{ig-comment-id}/replies`` (form ``message`` + ``access_token``), ``POST /me/messages``
  or ``/{page-id}/messages`` (Send API, ``access_token`` query parameter) and
  ``POST /{phone-number-id}/messages`` (WhatsApp, ``Authorization: Bearer``);
* ``POST /generic/callback``, verifying ``X-SocialDesk-Signature`` with the configured secret.

Each request is checked as the platform would: method, path shape, token, content type and body
fields. First messages follow the platforms' rules too: a WhatsApp template message's shape (name,
language code, body parameters); Messenger's messaging types and message tags. With
``enforce_windows=True`` the fake also keeps each platform's 24-hour window: free-form WhatsApp
text, or a Messenger message without ``MESSAGE_TAG``, to someone who has not written within 24 hours
(``customer_wrote(id, at)`` tells the fake who did) is refused with the platform's error (WhatsApp
131047, Messenger 10 / 2018278).

A wrong token gets 401 and a malformed request 400, each with the platform's error body
(X: RFC 7807 problem details; Graph: ``{"error": {"message", "type", "code", "fbtrace_id"}}``).
Accepted requests are recorded (thread-safe) and answered with the documented success body and
fresh ids. ``fail_next(n, status=503)`` and ``stall_next(n, seconds)`` inject failures.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from socialdesk.channels.generic.signature import REPLY, REPLY_SIGNATURE_HEADER, verify_signature
from socialdesk.channels.x import oauth1
from socialdesk.domain.errors import SignatureInvalid

X_PREFIX = "/x"
GRAPH_VERSION = "v21.0"
GRAPH_PREFIX = f"/graph/{GRAPH_VERSION}"
GENERIC_PATH = "/generic/callback"
#: an OAuth 2.0 user access token (bearer); X expires these 2 hours after issue
DEFAULT_X_TOKEN = "x-user-token-0123456789"
#: OAuth 1.0a: the app's consumer key pair and the brand account's access token pair (no expiry)
DEFAULT_X_CONSUMER_KEY = "x-consumer-key-0123456789"
DEFAULT_X_CONSUMER_SECRET = "x-consumer-secret-0123456789"
DEFAULT_X_ACCESS_TOKEN = "2244994945-x-access-token-0123456789"
DEFAULT_X_ACCESS_TOKEN_SECRET = "x-access-token-secret-0123456789"
X_OAUTH2_TOKEN_LIFETIME = 7200
#: how far an oauth_timestamp may be from the server's clock
X_TIMESTAMP_WINDOW = 300
DEFAULT_PAGE_TOKEN = "EAAGpage-token-0123456789"
DEFAULT_WHATSAPP_TOKEN = "EAAGwhatsapp-token-0123456789"
DEFAULT_GENERIC_SECRET = "generic-secret-0123456789"

_X_ID = re.compile(r"^[0-9]{1,19}$")
_GRAPH_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: documented limits the fake enforces
_X_DM_MAX = 10_000
_SEND_API_MAX = 2000
_WHATSAPP_MAX = 4096
_X_TWEET_KEYS = frozenset(
    {
        "text",
        "reply",
        "quote_tweet_id",
        "media",
        "poll",
        "reply_settings",
        "for_super_followers_only",
        "direct_message_deep_link",
        "geo",
        "nullcast",
        "card_uri",
        "community_id",
        "share_with_followers",
        "edit_options",
    }
)
_X_REPLY_KEYS = frozenset({"in_reply_to_tweet_id", "exclude_reply_user_ids", "auto_populate_reply_metadata"})
_MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG"})
#: the message tags the Send API accepts (docs: messenger-platform/send-messages/message-tags)
_MESSAGE_TAGS = frozenset({"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT"})
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or a dict of form fields, or None
    raw: bytes
    status: int  # what the fake answered
    response: Any  # the JSON body it answered with


@dataclass
class _Failure:
    status: int
    remaining: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Recorded] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    stalls: list[float] = field(default_factory=list)
    #: stall AFTER the request was processed and recorded: the platform posted it, the answer is late
    late_answers: list[float] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


class _Reject(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class FakePlatforms:
    """X, Graph API (Facebook, Messenger, Instagram, WhatsApp) and a generic callback on one port.

    Parameters
    ----------
    x_token, page_token, whatsapp_token
        The bearer / access tokens each API accepts (``x_token``: an OAuth 2.0 user token issued
        when the fake starts, refused after :data:`X_OAUTH2_TOKEN_LIFETIME` seconds).
    x_credentials
        The OAuth 1.0a consumer key pair and access token pair X accepts.
    clock
        The fake's "now" in unix seconds (tests move it to simulate hours passing).
    generic_secret
        The HMAC secret the generic callback verifies with.
    page_id, phone_number_id, brand_x_id
        The Page (``/{page-id}/messages``), the WhatsApp business number and the brand's X user id.
    """

    def __init__(
        self,
        *,
        x_token: str = DEFAULT_X_TOKEN,
        page_token: str = DEFAULT_PAGE_TOKEN,
        whatsapp_token: str = DEFAULT_WHATSAPP_TOKEN,
        generic_secret: str = DEFAULT_GENERIC_SECRET,
        page_id: str = "104000000000001",
        phone_number_id: str = "106540352242922",
        brand_x_id: str = "2244994945",
        x_credentials: oauth1.OAuth1Credentials | None = None,
        clock: Callable[[], float] = time.time,
        enforce_windows: bool = False,
    ) -> None:
        self.x_token = x_token
        self.x_credentials = x_credentials or oauth1.OAuth1Credentials(
            consumer_key=DEFAULT_X_CONSUMER_KEY,
            consumer_secret=DEFAULT_X_CONSUMER_SECRET,
            token=DEFAULT_X_ACCESS_TOKEN,
            token_secret=DEFAULT_X_ACCESS_TOKEN_SECRET,
        )
        self.clock = clock
        self.x_token_issued_at = clock()
        self._x_nonces: set[tuple[str, str]] = set()
        self.page_token = page_token
        self.whatsapp_token = whatsapp_token
        self.generic_secret = generic_secret
        self.page_id = page_id
        self.phone_number_id = phone_number_id
        self.brand_x_id = brand_x_id
        self.enforce_windows = enforce_windows
        #: when each customer (wa_id, PSID) last wrote, in the fake's clock (unix seconds)
        self.last_inbound: dict[str, float] = {}
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakePlatforms:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._state.release.clear()
        handler = type("_Handler", (_Handler,), {"platforms": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-platforms", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (stalled handlers are released)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._state.release.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakePlatforms:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakePlatforms is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def x_base_url(self) -> str:
        """Use as ``OutboundSettings.x_api_base_url``."""
        return self.base_url + X_PREFIX

    @property
    def graph_base_url(self) -> str:
        """Use as ``OutboundSettings.meta_graph_base_url``."""
        return self.base_url + GRAPH_PREFIX

    @property
    def generic_callback_url(self) -> str:
        return self.base_url + GENERIC_PATH

    def outbound_secrets(self, generic_sources: Iterable[str] = ()) -> dict[str, str]:
        """The outbound credentials this fake accepts, named as the stack reads them (default accounts)."""
        from socialdesk.channels.outbound import META_PAGE_CREDENTIAL, WHATSAPP_CREDENTIAL
        from socialdesk.dal.secrets import DEFAULT_ACCOUNT, outbound

        x = self.x_credentials
        values = {
            outbound("x", DEFAULT_ACCOUNT, "consumer-key"): x.consumer_key,
            outbound("x", DEFAULT_ACCOUNT, "consumer-secret"): x.consumer_secret,
            outbound("x", DEFAULT_ACCOUNT, "access-token"): x.token,
            outbound("x", DEFAULT_ACCOUNT, "access-token-secret"): x.token_secret,
            outbound("meta", DEFAULT_ACCOUNT, META_PAGE_CREDENTIAL): self.page_token,
            outbound("whatsapp", DEFAULT_ACCOUNT, WHATSAPP_CREDENTIAL): self.whatsapp_token,
        }
        for source in generic_sources:
            values[outbound("generic", source, "callback-url")] = self.generic_callback_url
            values[outbound("generic", source, "secret")] = self.generic_secret
        return values

    # --- control and inspection ------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        *,
        status: int = 503,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` requests (any endpoint) with ``status``.

        The body is the platform's error shape unless ``body`` is given; ``headers`` are added.
        """
        with self._state.lock:
            self._state.failures.append(_Failure(status, count, body, headers))

    def stall_next(self, count: int, *, seconds: float) -> None:
        """Hold the next ``count`` requests for ``seconds`` before answering (timeout tests)."""
        with self._state.lock:
            self._state.stalls.extend([seconds] * count)

    def answer_late_next(self, count: int, *, seconds: float) -> None:
        """Accept the next ``count`` requests (they are posted), then hold the answer for ``seconds``.

        The sender's timeout fires although the platform has the message: an unknown outcome.
        """
        with self._state.lock:
            self._state.late_answers.extend([seconds] * count)

    def posted(self, path_suffix: str) -> list[Recorded]:
        """Accepted POSTs whose path ends with ``path_suffix`` (what the platform now shows), newest first."""
        return [r for r in reversed(self.requests) if r.method == "POST" and r.path.endswith(path_suffix)]

    @property
    def requests(self) -> list[Recorded]:
        """Every accepted (2xx) request, oldest first."""
        with self._state.lock:
            return [item for item in self._state.log if 200 <= item.status < 300]

    @property
    def attempts(self) -> list[Recorded]:
        """Every request received, accepted or not."""
        with self._state.lock:
            return list(self._state.log)

    def clear(self) -> None:
        with self._state.lock:
            self._state.log.clear()

    def customer_wrote(self, customer_id: str, at: float | None = None) -> None:
        """Record that ``customer_id`` (a wa_id or PSID) wrote to the brand at ``at`` (default now)."""
        with self._state.lock:
            self.last_inbound[customer_id] = self.clock() if at is None else at

    def in_window(self, customer_id: str, hours: float = 24) -> bool:
        """Whether ``customer_id`` wrote within ``hours`` (always True unless windows are enforced)."""
        if not self.enforce_windows:
            return True
        with self._state.lock:
            last = self.last_inbound.get(customer_id)
        return last is not None and self.clock() - last <= hours * 3600

    # --- used by the handler ---------------------------------------------------------------------

    def _record(self, item: Recorded) -> None:
        with self._state.lock:
            self._state.log.append(item)

    def _take_failure(self) -> _Failure | None:
        with self._state.lock:
            while self._state.failures:
                head = self._state.failures[0]
                if head.remaining <= 0:
                    self._state.failures.pop(0)
                    continue
                head.remaining -= 1
                return head
        return None

    def _take_stall(self) -> float:
        with self._state.lock:
            return self._state.stalls.pop(0) if self._state.stalls else 0.0

    def _take_late_answer(self) -> float:
        with self._state.lock:
            return self._state.late_answers.pop(0) if self._state.late_answers else 0.0


def unused_port() -> int:
    """A local TCP port nothing listens on (bound, then closed), for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- request handling ----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    platforms: FakePlatforms
    protocol_version = "HTTP/1.1"
    server_version = "FakePlatforms/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        family = _family(path)
        stall = self.platforms._take_stall()
        if stall:
            self.platforms._state.release.wait(stall)
        status: int
        body: dict[str, Any]
        parsed: Any = None
        extra_headers: dict[str, str] = {}
        injected = self.platforms._take_failure()
        if injected is not None:
            status = injected.status
            body = (
                injected.body
                if injected.body is not None
                else _error_body(family, status, "injected failure")
            )
            extra_headers = injected.headers or {}
        else:
            try:
                parsed = _parse_body(headers, raw)
                status, body = self._route(family, path, query, headers, parsed, raw)
            except _Reject as reject:
                status, body = reject.status, reject.body
        self.platforms._record(
            Recorded(
                self.command,
                path,
                query,
                headers,
                None if isinstance(parsed, _BadJson) else parsed,
                raw,
                status,
                body,
            )
        )
        late = self.platforms._take_late_answer() if 200 <= status < 300 and self.command == "POST" else 0.0
        if late:
            self.platforms._state.release.wait(late)
        self._respond(status, body, family, extra_headers)

    def _respond(self, status: int, body: dict[str, Any], family: str, extra: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        if status == 401 and family == "graph":
            self.send_header(
                "WWW-Authenticate", 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
            )
        if status == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(data)

    def _route(
        self, family: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any, raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        platforms = self.platforms
        if family == "x":
            _x_authenticate(platforms, self.command, path, query, headers, body)
            return _x(platforms, self.command, path[len(X_PREFIX) :], headers, body)
        if family == "graph":
            return _graph(platforms, self.command, path[len(GRAPH_PREFIX) :], query, headers, body)
        if family == "generic":
            return _generic(platforms, self.command, headers, body, raw)
        raise _Reject(404, {"error": "not_found"})


def _parse_body(headers: dict[str, str], raw: bytes) -> Any:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return _BadJson()
    if content_type == "application/x-www-form-urlencoded":
        return dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return None


class _BadJson:
    """Marker: the body claimed JSON and was not."""


def _family(path: str) -> str:
    if path == X_PREFIX or path.startswith(X_PREFIX + "/"):
        return "x"
    if path.startswith(GRAPH_PREFIX + "/"):
        return "graph"
    if path == GENERIC_PATH:
        return "generic"
    return "other"


def _error_body(family: str, status: int, message: str) -> dict[str, Any]:
    if family == "x":
        return {
            "title": _X_TITLES.get(status, "Error"),
            "detail": message,
            "type": "about:blank",
            "status": status,
        }
    if family == "graph":
        code = 4 if status == 429 else 2 if status >= 500 else 190 if status == 401 else 100
        return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": _trace()}}
    return {"error": message}


_X_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _trace() -> str:
    return secrets.token_urlsafe(8)


def _digits(count: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (count - 1)) + 10 ** (count - 1))


# --- X API v2 ------------------------------------------------------------------------------------


def _x_reject(status: int, detail: str, *, parameter: str | None = None) -> _Reject:
    if status == 400:
        body: dict[str, Any] = {
            "errors": [{"parameters": {parameter or "body": []}, "message": detail}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }
        return _Reject(400, body)
    return _Reject(status, _error_body("x", status, detail))


def _x(
    platforms: FakePlatforms, method: str, path: str, headers: dict[str, str], body: Any
) -> tuple[int, dict[str, Any]]:
    if method == "GET":
        return _x_lookup(platforms, path)
    dm = re.fullmatch(r"/2/dm_conversations/with/([^/]+)/messages", path)
    if path != "/2/tweets" and dm is None:
        raise _Reject(404, _error_body("x", 404, f"no route for {path}"))
    if method != "POST":
        raise _Reject(405, _error_body("x", 405, "method not allowed"))
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise _x_reject(400, "Content-Type must be application/json")
    if not isinstance(body, dict):
        raise _x_reject(400, "the body must be a JSON object")
    if dm is not None:
        participant = urllib.parse.unquote(dm.group(1))
        if not _X_ID.match(participant):
            raise _x_reject(
                400,
                f"The `participant_id` query parameter value [{participant}] is not valid",
                parameter="participant_id",
            )
        extra = set(body) - {"text", "attachments"}
        if extra:
            raise _x_reject(400, f"$.{sorted(extra)[0]}: is not defined in the schema")
        text = body.get("text")
        if not isinstance(text, str) or not text or len(text) > _X_DM_MAX:
            raise _x_reject(400, "text must be a string of 1-10000 characters", parameter="text")
        conversation = "-".join(sorted([platforms.brand_x_id, participant], key=int))
        return 201, {"data": {"dm_conversation_id": conversation, "dm_event_id": _digits(19)}}
    extra = set(body) - _X_TWEET_KEYS
    if extra:
        raise _x_reject(400, f"$.{sorted(extra)[0]}: is not defined in the schema")
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise _x_reject(400, "text must be a non-empty string", parameter="text")
    if "reply" in body:
        reply = body["reply"]
        if not isinstance(reply, dict) or set(reply) - _X_REPLY_KEYS:
            raise _x_reject(400, "reply must be an object", parameter="reply")
        target = reply.get("in_reply_to_tweet_id")
        if not isinstance(target, str) or not _X_ID.match(target):
            raise _x_reject(
                400,
                "reply.in_reply_to_tweet_id must match ^[0-9]{1,19}$",
                parameter="reply.in_reply_to_tweet_id",
            )
    new_id = _digits(19)
    return 201, {"data": {"id": new_id, "text": text, "edit_history_tweet_ids": [new_id]}}


def _x_lookup(platforms: FakePlatforms, path: str) -> tuple[int, dict[str, Any]]:
    """The brand's recent posts (``GET /2/users/:id/tweets``) or a DM conversation's events
    (``GET /2/dm_conversations/with/:participant_id/dm_events``), as X lists them, newest first."""
    timeline = re.fullmatch(r"/2/users/([0-9]{1,19})/tweets", path)
    if timeline is not None:
        data = []
        for r in platforms.posted("/2/tweets"):
            item: dict[str, Any] = {"id": r.response["data"]["id"], "text": r.body["text"]}
            if isinstance(r.body.get("reply"), dict):
                item["referenced_tweets"] = [
                    {"type": "replied_to", "id": r.body["reply"]["in_reply_to_tweet_id"]}
                ]
            data.append(item)
        return 200, {"data": data, "meta": {"result_count": len(data)}}
    events = re.fullmatch(r"/2/dm_conversations/with/([0-9]{1,19})/dm_events", path)
    if events is not None:
        data = [
            {
                "id": r.response["data"]["dm_event_id"],
                "event_type": "MessageCreate",
                "text": r.body["text"],
                "sender_id": platforms.brand_x_id,
            }
            for r in platforms.posted(f"/2/dm_conversations/with/{events.group(1)}/messages")
        ]
        return 200, {"data": data, "meta": {"result_count": len(data)}}
    raise _Reject(404, _error_body("x", 404, f"no route for {path}"))


def _x_unauthorized(code: int, message: str) -> _Reject:
    """401 as X answers it: problem details plus the v1.1 error code (32 auth failed, 135 timestamp)."""
    return _Reject(
        401,
        {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
            "errors": [{"code": code, "message": message}],
        },
    )


def _x_authenticate(
    platforms: FakePlatforms,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: Any,
) -> None:
    """X's user-context auth: an unexpired OAuth 2.0 bearer token, or a valid OAuth 1.0a signature."""
    header = headers.get("authorization") or ""
    now = platforms.clock()
    if header.startswith("Bearer "):
        if header != f"Bearer {platforms.x_token}":
            raise _x_unauthorized(89, "Invalid or expired token.")
        if now - platforms.x_token_issued_at > X_OAUTH2_TOKEN_LIFETIME:
            raise _x_unauthorized(89, "Invalid or expired token.")
        return
    values = oauth1.parse_authorization_header(header) if header else None
    required = {
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_token",
    }
    if values is None or not required <= set(values):
        raise _x_unauthorized(32, "Could not authenticate you.")
    expected = platforms.x_credentials
    if (
        values["oauth_signature_method"] != oauth1.SIGNATURE_METHOD
        or values.get("oauth_version", oauth1.VERSION) != oauth1.VERSION
        or values["oauth_consumer_key"] != expected.consumer_key
        or values["oauth_token"] != expected.token
    ):
        raise _x_unauthorized(32, "Could not authenticate you.")
    stamp = values["oauth_timestamp"]
    if not stamp.isdigit() or abs(now - int(stamp)) > X_TIMESTAMP_WINDOW:
        raise _x_unauthorized(135, "Timestamp out of bounds.")
    form = (
        body
        if _content_type(headers) == "application/x-www-form-urlencoded" and isinstance(body, dict)
        else {}
    )
    signed = [(k, v) for k, v in values.items() if k != "oauth_signature"]
    url = f"http://{headers.get('host', '')}{path}"
    base = oauth1.signature_base_string(method, url, [*query.items(), *form.items(), *signed])
    good = oauth1.sign(base, expected.consumer_secret, expected.token_secret)
    if not hmac.compare_digest(good, values["oauth_signature"]):
        raise _x_unauthorized(32, "Could not authenticate you.")
    with platforms._state.lock:
        if (stamp, values["oauth_nonce"]) in platforms._x_nonces:
            raise _x_unauthorized(32, "Could not authenticate you.")
        platforms._x_nonces.add((stamp, values["oauth_nonce"]))


# --- Graph API -----------------------------------------------------------------------------------


def _graph_reject(
    status: int, message: str, *, code: int = 100, subcode: int | None = None, kind: str = "OAuthException"
) -> _Reject:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": _trace()}
    if subcode is not None:
        error["error_subcode"] = subcode
    return _Reject(status, {"error": error})


def _graph(
    platforms: FakePlatforms,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: Any,
) -> tuple[int, dict[str, Any]]:
    match = re.fullmatch(r"/([^/]+)/(comments|replies|messages)", path)
    if match is None:
        raise _graph_reject(400, f"Unknown path components: {path}", code=2500)
    node, edge = urllib.parse.unquote(match.group(1)), match.group(2)
    if method == "GET" and edge in ("comments", "replies"):
        _check_page_token(platforms, query.get("access_token"))
        key = "message" if edge == "comments" else "text"
        data = [
            {
                "id": r.response["id"],
                key: (r.body or {}).get("message") or r.query.get("message"),
                "from": {"id": platforms.page_id},
            }
            for r in platforms.posted(f"/{node}/{edge}")
        ]
        return 200, {"data": data}
    if method != "POST":
        raise _graph_reject(400, "Unsupported method", code=100)
    if not _GRAPH_ID.match(node):
        raise _graph_reject(
            400, f"Unsupported post request. Object with ID '{node}' does not exist", subcode=33
        )
    if edge in ("comments", "replies"):
        return _graph_publish(platforms, edge, query, headers, body)
    if node == platforms.phone_number_id:
        return _whatsapp(platforms, query, headers, body)
    if node in ("me", platforms.page_id):
        return _send_api(platforms, query, headers, body)
    raise _graph_reject(400, f"Unsupported post request. Object with ID '{node}' does not exist", subcode=33)


def _check_page_token(platforms: FakePlatforms, token: str | None) -> None:
    if not token:
        raise _graph_reject(
            400, "An active access token must be used to query information about the current user.", code=2500
        )
    if token != platforms.page_token:
        raise _graph_reject(401, "Invalid OAuth access token - Cannot parse access token", code=190)


def _content_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _graph_publish(
    platforms: FakePlatforms, edge: str, query: dict[str, str], headers: dict[str, str], body: Any
) -> tuple[int, dict[str, Any]]:
    fields = dict(query)
    if _content_type(headers) == "application/x-www-form-urlencoded" and isinstance(body, dict):
        fields.update(body)
    elif _content_type(headers) not in ("", "application/x-www-form-urlencoded"):
        raise _graph_reject(400, "(#100) Expected form-encoded parameters")
    _check_page_token(platforms, fields.get("access_token"))
    message = fields.get("message")
    if not message or not message.strip():
        raise _graph_reject(400, "(#100) The parameter message is required")
    if edge == "comments":
        return 200, {"id": f"{_digits(15)}_{_digits(16)}"}
    return 200, {"id": _digits(17)}


def _send_api(
    platforms: FakePlatforms, query: dict[str, str], headers: dict[str, str], body: Any
) -> tuple[int, dict[str, Any]]:
    content_type = _content_type(headers)
    if content_type == "application/json":
        if not isinstance(body, dict):
            raise _graph_reject(400, "(#100) The request body must be a JSON object")
        fields: dict[str, Any] = dict(body)
        token = query.get("access_token") or fields.pop("access_token", None)
    elif content_type == "application/x-www-form-urlencoded" and isinstance(body, dict):
        fields = {}
        for name, value in body.items():  # form fields carry JSON-encoded objects, as in the docs' curl
            try:
                fields[name] = json.loads(value) if name in ("recipient", "message") else value
            except ValueError:
                raise _graph_reject(400, f"(#100) param {name} must be JSON") from None
        token = query.get("access_token") or fields.pop("access_token", None)
    else:
        raise _graph_reject(400, "(#100) Unsupported content type")
    _check_page_token(platforms, token)
    extra = set(fields) - {"recipient", "message", "messaging_type", "tag", "notification_type"}
    if extra:
        raise _graph_reject(400, f"(#100) Param {sorted(extra)[0]} is not supported")
    recipient = fields.get("recipient")
    if (
        not isinstance(recipient, dict)
        or len(recipient) != 1
        or not (isinstance(recipient.get("id"), str) or isinstance(recipient.get("comment_id"), str))
    ):
        raise _graph_reject(400, '(#100) param recipient must be {"id": ...} or {"comment_id": ...}')
    messaging_type = fields.get("messaging_type")
    if messaging_type is not None and messaging_type not in _MESSAGING_TYPES:
        raise _graph_reject(400, "(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
    if messaging_type == "MESSAGE_TAG" and not fields.get("tag"):
        raise _graph_reject(400, "(#100) Tag is required for MESSAGE_TAG messaging type")
    if messaging_type == "MESSAGE_TAG" and fields.get("tag") not in _MESSAGE_TAGS:
        raise _graph_reject(400, f"(#100) param tag must be one of {sorted(_MESSAGE_TAGS)}")
    psid = recipient.get("id") if isinstance(recipient, dict) else None
    if psid and messaging_type != "MESSAGE_TAG" and not platforms.in_window(psid):
        raise _graph_reject(
            400,
            "(#10) This message is sent outside of allowed window.",
            code=10,
            subcode=2018278,
            kind="OAuthException",
        )
    if psid and fields.get("tag") == "HUMAN_AGENT" and not platforms.in_window(psid, hours=24 * 7):
        raise _graph_reject(400, "(#10) HUMAN_AGENT messages must be within 7 days", code=10, subcode=2018278)
    message = fields.get("message")
    if not isinstance(message, dict) or set(message) - {"text", "attachment", "quick_replies", "metadata"}:
        raise _graph_reject(400, "(#100) param message must be an object")
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _graph_reject(400, "(#100) param message[text] must be a non-empty UTF-8 encoded string")
    if len(text) > _SEND_API_MAX:
        raise _graph_reject(400, "(#100) Length of param message[text] must be less than or equal to 2000")
    recipient_id = recipient.get("id") or _digits(16)
    return 200, {"recipient_id": recipient_id, "message_id": "m_" + secrets.token_urlsafe(32)}


def _whatsapp(
    platforms: FakePlatforms, query: dict[str, str], headers: dict[str, str], body: Any
) -> tuple[int, dict[str, Any]]:
    auth = headers.get("authorization")
    if not auth and not query.get("access_token"):
        raise _graph_reject(401, "An active access token must be used", code=2500)
    if auth != f"Bearer {platforms.whatsapp_token}" and query.get("access_token") != platforms.whatsapp_token:
        raise _graph_reject(401, "Invalid OAuth access token - Cannot parse access token", code=190)
    if _content_type(headers) != "application/json" or not isinstance(body, dict):
        raise _graph_reject(400, "(#100) The request body must be a JSON object", code=100)
    if body.get("messaging_product") != "whatsapp":
        raise _graph_reject(400, "(#100) The parameter messaging_product is required.")
    if body.get("recipient_type", "individual") != "individual":
        raise _graph_reject(400, "(#100) Param recipient_type must be individual")
    to = body.get("to")
    if not isinstance(to, str) or not to:
        raise _graph_reject(400, "(#100) The parameter to is required.")
    kind = body.get("type", "text")
    if kind == "template":
        _whatsapp_template(body.get("template"))
        if "text" in body:
            raise _graph_reject(400, "(#100) A template message carries no text")
    elif kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or set(text) - {"body", "preview_url"}:
            raise _graph_reject(400, "(#100) Param text must be an object with body")
        message_body = text.get("body")
        if not isinstance(message_body, str) or not message_body or len(message_body) > _WHATSAPP_MAX:
            raise _graph_reject(400, "(#100) Param text['body'] must be 1-4096 characters", code=100)
        if not platforms.in_window(to):
            raise _graph_reject(
                400,
                "(#131047) Re-engagement message: more than 24 hours have passed since the recipient last "
                "replied; send a template message",
                code=131047,
            )
    else:
        raise _graph_reject(400, "(#100) This fake sends type=text or type=template")
    if "context" in body:
        context = body["context"]
        if (
            not isinstance(context, dict)
            or not isinstance(context.get("message_id"), str)
            or not context["message_id"]
        ):
            raise _graph_reject(400, "(#100) Param context['message_id'] must be a wamid")
    extra = set(body) - {
        "messaging_product",
        "recipient_type",
        "to",
        "type",
        "text",
        "template",
        "context",
        "biz_opaque_callback_data",
    }
    if extra:
        raise _graph_reject(400, f"(#100) Param {sorted(extra)[0]} is not supported")
    wamid = "wamid." + secrets.token_urlsafe(36)
    return 200, {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": wamid}],
    }


def _whatsapp_template(template: Any) -> None:
    """A template message as the Cloud API takes it: name, language code, body parameters of type text."""
    if not isinstance(template, dict) or set(template) - {"name", "language", "components"}:
        raise _graph_reject(400, "(#100) Param template must be an object with name, language, components")
    if not isinstance(template.get("name"), str) or not _TEMPLATE_NAME.match(template["name"]):
        raise _graph_reject(400, "(#100) Param template['name'] must be a template name ([a-z0-9_])")
    language = template.get("language")
    if (
        not isinstance(language, dict)
        or set(language) - {"code", "policy"}
        or not isinstance(language.get("code"), str)
        or not _TEMPLATE_LANGUAGE.match(language["code"])
    ):
        raise _graph_reject(400, "(#100) Param template['language']['code'] must be a language code")
    for component in template.get("components", []):
        if not isinstance(component, dict) or component.get("type") not in ("header", "body", "button"):
            raise _graph_reject(400, "(#100) Param template['components'][] must have a type")
        for parameter in component.get("parameters", []):
            if (
                not isinstance(parameter, dict)
                or parameter.get("type") != "text"
                or not parameter.get("text")
            ):
                raise _graph_reject(
                    400, "(#132000) template parameters must be {type: text, text}", code=132000
                )


# --- generic callback ----------------------------------------------------------------------------


def _generic(
    platforms: FakePlatforms, method: str, headers: dict[str, str], body: Any, raw: bytes
) -> tuple[int, dict[str, Any]]:
    if method != "POST":
        raise _Reject(405, {"error": "method_not_allowed"})
    try:
        verify_signature(
            platforms.generic_secret,
            raw,
            headers.get(REPLY_SIGNATURE_HEADER),
            now=time.time(),
            purpose=REPLY,
        )
    except SignatureInvalid as error:
        raise _Reject(401, {"error": "invalid_signature", "reason": error.reason}) from None
    if _content_type(headers) != "application/json" or not isinstance(body, dict):
        raise _Reject(400, {"error": "invalid_payload", "reason": "a JSON object is required"})
    if set(body) != {"reply_id", "ticket_id", "in_reply_to", "recipient", "text"}:
        raise _Reject(
            400,
            {
                "error": "invalid_payload",
                "reason": "fields must be reply_id, ticket_id, in_reply_to, recipient, text",
            },
        )
    if body["recipient"] is not None and not isinstance(body["recipient"], str):
        raise _Reject(400, {"error": "invalid_payload", "reason": "recipient must be a string or null"})
    if not all(isinstance(body[name], str) and body[name] for name in ("reply_id", "ticket_id", "text")):
        raise _Reject(
            400, {"error": "invalid_payload", "reason": "reply_id, ticket_id and text must be strings"}
        )
    if body["in_reply_to"] is not None and not isinstance(body["in_reply_to"], str):
        raise _Reject(400, {"error": "invalid_payload", "reason": "in_reply_to must be a string or null"})
    return 200, {"id": "cb_" + secrets.token_hex(8)}
