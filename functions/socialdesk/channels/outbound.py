"""Outbound replies: one port for every channel, dispatched to the platform's documented send endpoint.

An agent's reply goes back out on the channel the customer used:

===========  =========  =====================================================================
channel      private    request (module)
===========  =========  =====================================================================
x            False      ``POST {x}/2/tweets`` reply post (:mod:`socialdesk.channels.x.send`)
x            True       ``POST {x}/2/dm_conversations/with/{recipient}/messages``
facebook     False      ``POST {graph}/{in_reply_to}/comments`` (:mod:`socialdesk.channels.meta.send`)
facebook     True       ``POST {graph}/me/messages`` private reply to the comment (or to a PSID)
messenger    either     ``POST {graph}/me/messages`` (Messenger has no public mode)
instagram    False      ``POST {graph}/{in_reply_to}/replies``
instagram    True       ``POST {graph}/me/messages``
whatsapp     either     ``POST {graph}/{brand_account}/messages`` (WhatsApp has no public mode)
generic      either     ``POST <callback-url>`` signed (:mod:`socialdesk.channels.generic.send`)
===========  =========  =====================================================================

The HTTP client is the standard library's ``urllib.request`` (no third-party dependency in the
Lambda layer): one request, a timeout, no redirects followed (a redirect would carry the
``Authorization`` header to another host), ``https`` only except for loopback hosts (tests, the
local stack). Neither the reply text nor a credential is ever put in an exception message.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import ConfigDict, Field, field_validator

from socialdesk.dal.ports import SecretSource
from socialdesk.domain.errors import DomainError, StorageUnavailable
from socialdesk.domain.mention import Channel
from socialdesk.domain.model import Model
from socialdesk.domain.outreach import OutboundTemplate

if TYPE_CHECKING:
    from socialdesk.channels.x.oauth1 import OAuth1Credentials

#: longest reply text accepted (the platforms' own limits are lower for most endpoints)
MAX_TEXT_LENGTH = 10_000
USER_AGENT = "SocialDesk-Outbound/1.0"
_MAX_RESPONSE_BYTES = 1 << 20
_MAX_PLATFORM_MESSAGE = 160
#: shortest secret or text that the exception-message scrubber looks for, and how much of its start
_MIN_SCRUB_LENGTH = 4
_SCRUB_PROBE = 16
#: Graph API error codes documented as temporary ("wait and retry"): 1 unknown, 2 service,
#: 4 app throttled, 17 user throttled, 341 application limit (developers.facebook.com/docs/
#: graph-api/guides/error-handling); WhatsApp Cloud API 130429 throughput, 131056 pair rate limit.
_META_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 341, 130429, 131056})


class OutboundReply(Model):
    """One agent reply to send on the channel the customer used.

    ``private`` has no default on purpose: posting a DM answer publicly is the costly mistake.
    """

    model_config = ConfigDict(frozen=True)

    reply_id: str = Field(min_length=1, max_length=128)
    ticket_id: str = Field(min_length=1, max_length=128)
    channel: Channel
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    #: True = DM / private message, False = public reply under the customer's post or comment
    private: bool
    #: external id of the customer message answered: tweet id, Facebook comment id, Instagram
    #: comment id, WhatsApp message id (wamid), generic ``<source>:<id>``
    in_reply_to: str | None = None
    #: the customer's platform id: X user id, Messenger PSID, Instagram-scoped id, WhatsApp wa_id
    recipient: str | None = None
    #: X user id of the brand, Facebook Page id, Instagram account id, WhatsApp phone_number_id
    brand_account: str | None = None
    #: generic source name (``/webhooks/generic/{source}``)
    source: str | None = None
    #: a WhatsApp template message (a first message outside the 24-hour window); ``text`` is its preview
    template: OutboundTemplate | None = None
    #: Messenger / Instagram: the messaging type and tag a first message needs (default RESPONSE)
    messaging_type: Literal["RESPONSE", "UPDATE", "MESSAGE_TAG"] | None = None
    tag: Literal["HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"] | None = (
        None
    )

    @field_validator("in_reply_to", "recipient", "brand_account", "source", mode="before")
    @classmethod
    def _ids_as_strings(cls, value: object) -> object:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value).strip() or None
        return value

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class Delivered(Model):
    """The platform accepted the reply."""

    model_config = ConfigDict(frozen=True)

    #: the id the platform gave the sent message (None when the 2xx body carried none)
    external_id: str | None
    #: ``POST <scheme>://<host><path>`` that accepted it (no query string, no credentials)
    endpoint: str


class DeliveryFailed(DomainError):
    """The reply was not delivered.

    ``retryable`` is True for 429, 5xx, Meta's documented transient error codes, timeouts and
    connection errors; False for other 4xx (bad token, bad id, policy), redirects and missing
    configuration. ``status`` is the platform's HTTP status when there was one.
    """

    code = "delivery_failed"

    def __init__(
        self, reason: str, *, retryable: bool, status: int | None = None, unknown: bool = False
    ) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.status = status
        #: the request went out but no answer came back: the platform may have posted it
        self.unknown = unknown


class OutboundSettings(Model):
    """Where the platforms' APIs live and how long one request may take."""

    model_config = ConfigDict(frozen=True)

    x_api_base_url: str = "https://api.x.com"
    meta_graph_base_url: str = "https://graph.facebook.com/v21.0"
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("x_api_base_url", "meta_graph_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


# --- credentials -------------------------------------------------------------------------------

#: credential names under ``outbound/<platform>/<account>/`` (dal.secrets.outbound); the X app's
#: consumer key and secret and the account's access token and secret are looked up as two pairs
X_APP_CREDENTIALS = ("consumer-key", "consumer-secret")
X_USER_CREDENTIALS = ("access-token", "access-token-secret")
META_PAGE_CREDENTIAL = "page-access-token"
WHATSAPP_CREDENTIAL = "access-token"


def require_secret(secrets: SecretSource, name: str) -> str:
    """The secret's value, or :class:`DeliveryFailed` (not retryable) when it is missing.

    A secret store outage is retryable.
    """
    value = _read_secret(secrets, name)
    if value is None:
        raise DeliveryFailed(f"no credential configured: {name}", retryable=False)
    return value


def account_secrets(
    secrets: SecretSource, platform: str, account: str | None, names: Sequence[str], *, fallback: bool = True
) -> tuple[str, ...]:
    """The brand account's credentials ``names``, all read from one place.

    ``outbound/<platform>/<account>/<name>`` when the account holds the first of ``names``; else
    (with ``fallback``) ``outbound/<platform>/default/<name>``. A pair such as an access token and
    its secret therefore never mixes two accounts.

    Raises
    ------
    DeliveryFailed
        Not retryable when the account id is malformed or a credential is missing; retryable when
        the secret store is unavailable.
    """
    from socialdesk.dal.secrets import DEFAULT_ACCOUNT, outbound

    places = [account] if account else []
    if fallback and account != DEFAULT_ACCOUNT:
        places.append(DEFAULT_ACCOUNT)
    for place in places:
        try:
            first = outbound(platform, place, names[0])
        except ValueError:
            raise DeliveryFailed(f"brand account of {platform} is not a valid id", retryable=False) from None
        if _read_secret(secrets, first) is not None:
            return tuple(require_secret(secrets, outbound(platform, place, name)) for name in names)
    where = " or ".join(f"outbound/{platform}/{place}/{names[0]}" for place in places) or platform
    raise DeliveryFailed(f"no credential configured: {where}", retryable=False)


def x_credentials(secrets: SecretSource, account: str | None) -> OAuth1Credentials:
    """OAuth 1.0a credentials to post as the X account ``account`` (the app's pair, the account's pair)."""
    from socialdesk.channels.x.oauth1 import OAuth1Credentials

    consumer_key, consumer_secret = account_secrets(secrets, "x", account, X_APP_CREDENTIALS)
    token, token_secret = account_secrets(secrets, "x", account, X_USER_CREDENTIALS)
    return OAuth1Credentials(
        consumer_key=consumer_key, consumer_secret=consumer_secret, token=token, token_secret=token_secret
    )


def _read_secret(secrets: SecretSource, name: str) -> str | None:
    try:
        value = secrets.get(name)
    except StorageUnavailable:
        raise DeliveryFailed(f"secret store unavailable while reading {name}", retryable=True) from None
    return value.strip() if value and value.strip() else None


def send_reply(reply: OutboundReply, *, secrets: SecretSource, settings: OutboundSettings) -> Delivered:
    """Send ``reply`` on its channel, as its brand account, and return what the platform answered.

    Credentials are the brand account's (``reply.brand_account``: X user id, Page or Instagram
    account id, WhatsApp phone number id), else the platform's ``default`` account's.

    Raises
    ------
    DeliveryFailed
        When a credential or a required id is missing, or the platform refused or could not be
        reached; ``retryable`` says whether sending the same reply again may succeed.
    """
    from socialdesk.channels.generic import send as generic_send
    from socialdesk.channels.meta import send as meta_send
    from socialdesk.channels.x import send as x_send

    channel, account = reply.channel, reply.brand_account
    if channel is Channel.X:
        return x_send.send(reply, credentials=x_credentials(secrets, account), settings=settings)
    if channel is Channel.WHATSAPP:
        (token,) = account_secrets(secrets, "whatsapp", account, (WHATSAPP_CREDENTIAL,))
        return meta_send.send_whatsapp(reply, token=token, settings=settings)
    if channel in (Channel.FACEBOOK, Channel.MESSENGER, Channel.INSTAGRAM):
        (token,) = account_secrets(secrets, "meta", account, (META_PAGE_CREDENTIAL,))
        if channel is Channel.FACEBOOK:
            if reply.private:
                return meta_send.send_facebook_private(reply, token=token, settings=settings)
            return meta_send.reply_to_facebook_comment(reply, token=token, settings=settings)
        if channel is Channel.MESSENGER:
            return meta_send.send_messenger(reply, token=token, settings=settings)
        if reply.private:
            return meta_send.send_instagram_dm(reply, token=token, settings=settings)
        return meta_send.reply_to_instagram_comment(reply, token=token, settings=settings)
    if channel is Channel.GENERIC:
        source = generic_send.require_source(reply)
        return generic_send.send(
            reply,
            callback_url=require_secret(secrets, generic_send.callback_url_secret(source)),
            secret=require_secret(secrets, generic_send.signing_secret(source)),
            settings=settings,
        )
    raise DeliveryFailed(f"no outbound adapter for channel {channel}", retryable=False)


class NoLookup(Exception):
    """The platform offers no way to check whether a message was posted (Messenger, WhatsApp DMs)."""


def find_sent(reply: OutboundReply, *, secrets: SecretSource, settings: OutboundSettings) -> Delivered | None:
    """Whether the platform shows ``reply`` as posted (after a call whose outcome was unknown).

    X: the brand's recent posts (a reply to the same post with the same text) or the DM
    conversation's events; Facebook and Instagram: the comment's replies from the Page with the
    same text. A generic source dedupes on ``reply_id``, so sending again is safe: None.

    Raises
    ------
    NoLookup
        For channels without a lookup: the caller marks the reply ``unknown`` and alarms.
    DeliveryFailed
        When the lookup itself failed (retry it later).
    """
    from socialdesk.channels.meta import send as meta_send
    from socialdesk.channels.x import send as x_send

    channel, account = reply.channel, reply.brand_account
    if channel is Channel.GENERIC:
        return None
    if channel is Channel.X:
        return x_send.find_sent(reply, credentials=x_credentials(secrets, account), settings=settings)
    if channel in (Channel.FACEBOOK, Channel.INSTAGRAM) and not reply.private:
        (token,) = account_secrets(secrets, "meta", account, (META_PAGE_CREDENTIAL,))
        return meta_send.find_comment_reply(reply, token=token, settings=settings)
    raise NoLookup(f"{channel.value} {'DMs' if reply.private else 'messages'} cannot be looked up")


def can_look_up(reply: OutboundReply) -> bool:
    """Whether :func:`find_sent` can tell if ``reply`` was posted (or resending it is safe)."""
    if reply.channel in (Channel.X, Channel.GENERIC):
        return True
    return reply.channel in (Channel.FACEBOOK, Channel.INSTAGRAM) and not reply.private


def same_text(left: str | None, right: str | None) -> bool:
    """Whether a platform's copy of a message is ours (whitespace normalised, as platforms do)."""
    return " ".join((left or "").split()) == " ".join((right or "").split())


# --- HTTP --------------------------------------------------------------------------------------


class HttpResult(NamedTuple):
    """A 2xx answer: status, the decoded JSON body (None if absent or not JSON), the endpoint."""

    status: int
    body: Any
    endpoint: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would resend the Authorization header to the new location."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def require(value: str | None, what: str) -> str:
    """``value``, or :class:`DeliveryFailed` (not retryable) naming the missing field."""
    if not value:
        raise DeliveryFailed(f"{what} is required", retryable=False)
    return value


def path_segment(value: str, what: str) -> str:
    """``value`` percent-encoded as one URL path segment; '.' and '..' are refused."""
    if value in (".", "..") or len(value) > 256:
        raise DeliveryFailed(f"{what} is not a valid id", retryable=False)
    return urllib.parse.quote(value, safe="")


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def form_body(fields: Mapping[str, str]) -> bytes:
    """``application/x-www-form-urlencoded`` bytes."""
    return urllib.parse.urlencode(fields).encode("ascii")


def get(
    url: str,
    *,
    what: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    redact: Iterable[str] = (),
) -> HttpResult:
    """GET ``url`` (plus ``query``) and return the 2xx answer; failures as :func:`post` raises them."""
    return post(
        url,
        what=what,
        body=None,
        content_type="",
        timeout=timeout,
        headers=headers,
        query=query,
        redact=redact,
    )


def post(
    url: str,
    *,
    what: str,
    body: bytes | None,
    content_type: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    redact: Iterable[str] = (),
) -> HttpResult:
    """POST ``body`` to ``url`` (plus ``query``) and return the 2xx answer.

    ``what`` names the call in error messages; ``redact`` lists values (token, text) that must not
    appear in one even when the platform echoes them.

    Raises
    ------
    DeliveryFailed
        Not retryable for a disallowed URL, a redirect or a 4xx (except 429 and Meta's transient
        error codes); retryable for 429, 5xx, timeouts and connection errors.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DeliveryFailed(f"{what}: the URL must be http(s) with a host", retryable=False)
    if parts.username is not None or parts.password is not None:
        raise DeliveryFailed(f"{what}: the URL must not carry credentials", retryable=False)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise DeliveryFailed(f"{what}: plain http is only allowed to loopback hosts", retryable=False)
    method = "POST" if body is not None else "GET"
    endpoint = f"{method} {parts.scheme}://{parts.netloc}{parts.path or '/'}"
    full_url = url
    if query:
        full_url += ("&" if parts.query else "?") + urllib.parse.urlencode(query)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        full_url,
        data=body,
        method=method,
        headers={
            **({"Content-Type": content_type} if body is not None else {}),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
    )
    secrets = [value for value in redact if value and len(value) >= _MIN_SCRUB_LENGTH]
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            raw = response.read(_MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as error:
        try:
            raw = error.read(_MAX_RESPONSE_BYTES)
        except (OSError, http.client.HTTPException):
            raw = b""
        finally:
            error.close()
        raise _http_failure(what, error.code, _decode(raw), secrets) from None
    except urllib.error.URLError as error:
        raise _connection_failure(what, error.reason, timeout) from None
    except (OSError, http.client.HTTPException) as error:
        raise _connection_failure(what, error, timeout) from None
    return HttpResult(status, _decode(raw), endpoint)


def string_id(value: object) -> str | None:
    """A platform id as a string (ids may arrive as JSON numbers), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        return str(value) or None
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _connection_failure(what: str, cause: object, timeout: float) -> DeliveryFailed:
    if isinstance(cause, TimeoutError):
        return DeliveryFailed(f"{what}: no answer within {timeout:g} s", retryable=True, unknown=True)
    if isinstance(cause, ConnectionResetError | http.client.RemoteDisconnected | http.client.IncompleteRead):
        return DeliveryFailed(f"{what}: the connection closed before an answer", retryable=True, unknown=True)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return DeliveryFailed(f"{what}: TLS certificate verification failed", retryable=False)
    name = type(cause).__name__ if isinstance(cause, BaseException) else "connection error"
    return DeliveryFailed(f"{what}: connection failed ({name})", retryable=True)


def _http_failure(what: str, status: int, body: Any, secrets: list[str]) -> DeliveryFailed:
    detail, transient = _platform_error(body)
    retryable = status == 429 or status >= 500 or transient
    if 300 <= status < 400:
        detail = "redirects are not followed"
    detail = _withhold_secrets(detail, secrets)
    reason = f"{what}: HTTP {status}" + (f" ({detail})" if detail else "")
    return DeliveryFailed(reason, retryable=retryable, status=status)


def _platform_error(body: Any) -> tuple[str, bool]:
    """A short description of a platform error body, and whether it is a documented transient error."""
    if not isinstance(body, dict):
        return "", False
    error = body.get("error")
    if isinstance(error, dict):  # Graph API: {"error": {"message", "type", "code", "error_subcode", ...}}
        code = error.get("code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else _int_or_none(code)
        bits = [f"code {code}" if code is not None else ""]
        if isinstance(error.get("error_subcode"), int):
            bits.append(f"subcode {error['error_subcode']}")
        if isinstance(error.get("type"), str):
            bits.append(error["type"])
        if isinstance(error.get("message"), str):
            bits.append(error["message"])
        transient = code in _META_TRANSIENT_CODES or error.get("is_transient") is True
        return ", ".join(bit for bit in bits if bit), transient
    bits = []
    for key in ("title", "detail"):  # X API v2: RFC 7807 problem details
        if isinstance(body.get(key), str):
            bits.append(body[key])
    errors = body.get("errors")
    if not bits and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        for key in ("message", "detail", "title"):
            if isinstance(errors[0].get(key), str):
                bits.append(errors[0][key])
                break
    if not bits and isinstance(error, str):
        bits.append(error)
    return ", ".join(bits), False


def _int_or_none(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _withhold_secrets(detail: str, secrets: list[str]) -> str:
    """``detail`` truncated, or a placeholder when it echoes the text or a credential (or its start)."""
    if any(secret[:_SCRUB_PROBE] in detail for secret in secrets):
        return "platform message withheld: it echoed the request"
    if len(detail) > _MAX_PLATFORM_MESSAGE:
        detail = detail[: _MAX_PLATFORM_MESSAGE - 1] + "…"
    return detail
