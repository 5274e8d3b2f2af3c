"""Outbound replies against a real local HTTP server that checks requests as the platforms do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError

from local.platforms import FakePlatforms, Recorded, unused_port
from socialdesk.channels.generic.signature import REPLY, verify_signature
from socialdesk.channels.outbound import (
    Delivered,
    DeliveryFailed,
    OutboundReply,
    OutboundSettings,
    send_reply,
)
from socialdesk.domain.errors import SignatureInvalid, StorageUnavailable
from socialdesk.domain.mention import Channel

TEXT = "Sorry about the delay, Ana! Your refund #R-88 left today. Wrap-reply-7f3c"
TWEET_ID = "1346889436626259968"
X_USER = "783214"
FB_COMMENT = "123456789012345_987654321098765"
PSID = "6254973101234567"
IG_COMMENT = "17870913679156914"
IGSID = "17841405793187218"
WA_ID = "16505551234"
WAMID = "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTdCNTg5RjY1MEMyRjlGMjRGNgA="
SOURCE = "shopreviews"


class DictSecrets:
    """A SecretSource backed by a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: list[str] = []

    def get(self, name: str) -> str | None:
        self.asked.append(name)
        return self.values.get(name)


class BrokenSecrets:
    def get(self, name: str) -> str | None:
        raise StorageUnavailable("secret store unavailable")


@pytest.fixture
def platforms() -> Iterator[FakePlatforms]:
    with FakePlatforms() as fake:
        yield fake


@pytest.fixture
def settings(platforms: FakePlatforms) -> OutboundSettings:
    return OutboundSettings(
        x_api_base_url=platforms.x_base_url, meta_graph_base_url=platforms.graph_base_url, timeout_seconds=5
    )


@pytest.fixture
def secrets(platforms: FakePlatforms) -> DictSecrets:
    return DictSecrets(platforms.outbound_secrets([SOURCE]))


def reply(channel: Channel, *, private: bool, **fields: Any) -> OutboundReply:
    return OutboundReply(
        reply_id="rep-01", ticket_id="tkt-42", channel=channel, text=TEXT, private=private, **fields
    )


def only_request(platforms: FakePlatforms) -> Recorded:
    assert len(platforms.attempts) == 1, platforms.attempts
    assert len(platforms.requests) == 1
    return platforms.requests[0]


def content_type(request: Recorded) -> str:
    return request.headers["content-type"].split(";")[0]


# --- every channel/private combination sends exactly the documented request -----------------------


@dataclass(frozen=True)
class Case:
    reply: OutboundReply
    path: Callable[[FakePlatforms], str]
    content_type: str
    auth: Callable[[FakePlatforms], dict[str, str]]  # expected Authorization header / access_token query
    body: Callable[[FakePlatforms], Any]
    external_id: Callable[[Any], str]


#: an OAuth 1.0a header, whose signature the fake verified (nonce and timestamp differ per request)
OAUTH1_SIGNED = "OAuth "

CASES = {
    "x-public-reply": Case(
        reply(Channel.X, private=False, in_reply_to=TWEET_ID),
        lambda p: "/x/2/tweets",
        "application/json",
        lambda p: {"authorization": OAUTH1_SIGNED},
        lambda p: {"text": TEXT, "reply": {"in_reply_to_tweet_id": TWEET_ID}},
        lambda answer: answer["data"]["id"],
    ),
    "x-dm": Case(
        reply(Channel.X, private=True, recipient=X_USER, in_reply_to="1582838594039214083"),
        lambda p: f"/x/2/dm_conversations/with/{X_USER}/messages",
        "application/json",
        lambda p: {"authorization": OAUTH1_SIGNED},
        lambda p: {"text": TEXT},
        lambda answer: answer["data"]["dm_event_id"],
    ),
    "facebook-comment-reply": Case(
        reply(Channel.FACEBOOK, private=False, in_reply_to=FB_COMMENT, brand_account="104000000000001"),
        lambda p: f"/graph/v21.0/{FB_COMMENT}/comments",
        "application/x-www-form-urlencoded",
        lambda p: {},
        lambda p: {"message": TEXT, "access_token": p.page_token},
        lambda answer: answer["id"],
    ),
    "facebook-private-reply": Case(
        reply(Channel.FACEBOOK, private=True, in_reply_to=FB_COMMENT),
        lambda p: "/graph/v21.0/me/messages",
        "application/json",
        lambda p: {"access_token": p.page_token},
        lambda p: {
            "recipient": {"comment_id": FB_COMMENT},
            "messaging_type": "RESPONSE",
            "message": {"text": TEXT},
        },
        lambda answer: answer["message_id"],
    ),
    "messenger": Case(
        reply(Channel.MESSENGER, private=True, recipient=PSID, in_reply_to="m_abc"),
        lambda p: "/graph/v21.0/me/messages",
        "application/json",
        lambda p: {"access_token": p.page_token},
        lambda p: {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": TEXT}},
        lambda answer: answer["message_id"],
    ),
    "instagram-comment-reply": Case(
        reply(Channel.INSTAGRAM, private=False, in_reply_to=IG_COMMENT),
        lambda p: f"/graph/v21.0/{IG_COMMENT}/replies",
        "application/x-www-form-urlencoded",
        lambda p: {},
        lambda p: {"message": TEXT, "access_token": p.page_token},
        lambda answer: answer["id"],
    ),
    "instagram-dm": Case(
        reply(Channel.INSTAGRAM, private=True, recipient=IGSID),
        lambda p: "/graph/v21.0/me/messages",
        "application/json",
        lambda p: {"access_token": p.page_token},
        lambda p: {"recipient": {"id": IGSID}, "message": {"text": TEXT}},
        lambda answer: answer["message_id"],
    ),
    "whatsapp-contextual-reply": Case(
        reply(
            Channel.WHATSAPP,
            private=True,
            recipient=WA_ID,
            in_reply_to=WAMID,
            brand_account="106540352242922",
        ),
        lambda p: f"/graph/v21.0/{p.phone_number_id}/messages",
        "application/json",
        lambda p: {"authorization": f"Bearer {p.whatsapp_token}"},
        lambda p: {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "text",
            "text": {"body": TEXT},
            "context": {"message_id": WAMID},
        },
        lambda answer: answer["messages"][0]["id"],
    ),
    "whatsapp-without-context": Case(
        reply(Channel.WHATSAPP, private=False, recipient=WA_ID, brand_account="106540352242922"),
        lambda p: f"/graph/v21.0/{p.phone_number_id}/messages",
        "application/json",
        lambda p: {"authorization": f"Bearer {p.whatsapp_token}"},
        lambda p: {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "text",
            "text": {"body": TEXT},
        },
        lambda answer: answer["messages"][0]["id"],
    ),
    "generic": Case(
        reply(Channel.GENERIC, private=False, in_reply_to=f"{SOURCE}:rev-77", source=SOURCE),
        lambda p: "/generic/callback",
        "application/json",
        lambda p: {},
        lambda p: {
            "reply_id": "rep-01",
            "ticket_id": "tkt-42",
            "in_reply_to": "rev-77",
            "recipient": None,
            "text": TEXT,
        },
        lambda answer: answer["id"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_channel_sends_the_documented_request(
    case: Case, platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    delivered = send_reply(case.reply, secrets=secrets, settings=settings)

    request = only_request(platforms)
    assert request.method == "POST"
    assert request.path == case.path(platforms)
    assert content_type(request) == case.content_type
    assert request.body == case.body(platforms)
    expected_auth = case.auth(platforms)
    if expected_auth.get("authorization") == OAUTH1_SIGNED:
        assert request.headers["authorization"].startswith(OAUTH1_SIGNED)
    else:
        assert request.headers.get("authorization") == expected_auth.get("authorization")
    assert request.query == (
        {"access_token": expected_auth["access_token"]} if "access_token" in expected_auth else {}
    )
    assert delivered == Delivered(
        external_id=case.external_id(request.response), endpoint=f"POST {platforms.base_url}{request.path}"
    )
    assert delivered.external_id
    assert platforms.page_token not in delivered.endpoint


def test_generic_callback_is_signed_over_the_exact_body(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    send_reply(CASES["generic"].reply, secrets=secrets, settings=settings)
    request = only_request(platforms)
    header = request.headers["x-socialdesk-reply-signature"]
    assert header.startswith("t=") and ",v1=" in header
    stamp = int(header.split(",")[0][2:])
    verify_signature(platforms.generic_secret, request.raw, header, now=stamp, purpose=REPLY)
    # the signing oracle: a reply SocialDesk signed never verifies as an inbound delivery
    with pytest.raises(SignatureInvalid):
        verify_signature(platforms.generic_secret, request.raw, header, now=stamp)
    assert b'"in_reply_to":"rev-77"' in request.raw


def test_generic_reply_without_in_reply_to_sends_null(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    send_reply(reply(Channel.GENERIC, private=False, source=SOURCE), secrets=secrets, settings=settings)
    assert only_request(platforms).body["in_reply_to"] is None


def test_ids_are_fresh_per_message(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    first = send_reply(CASES["x-public-reply"].reply, secrets=secrets, settings=settings)
    second = send_reply(CASES["x-public-reply"].reply, secrets=secrets, settings=settings)
    assert first.external_id != second.external_id


# --- failures ---------------------------------------------------------------------------------------


def assert_nothing_leaks(error: DeliveryFailed, *secrets: str) -> None:
    for shown in (str(error), repr(error), error.reason, repr(error.args)):
        assert TEXT not in shown
        assert TEXT[:16] not in shown
        for secret in secrets:
            assert secret not in shown


WRONG = "wrong-token-should-never-show-9f8e7d"
CREDENTIAL_OF = {
    "x-public-reply": "outbound/x/default/access-token",
    "x-dm": "outbound/x/default/access-token-secret",
    "facebook-comment-reply": "outbound/meta/default/page-access-token",
    "facebook-private-reply": "outbound/meta/default/page-access-token",
    "messenger": "outbound/meta/default/page-access-token",
    "instagram-comment-reply": "outbound/meta/default/page-access-token",
    "instagram-dm": "outbound/meta/default/page-access-token",
    "whatsapp-contextual-reply": "outbound/whatsapp/default/access-token",
    "generic": f"outbound/generic/{SOURCE}/secret",
}


@pytest.mark.parametrize("name", CREDENTIAL_OF.keys())
def test_a_wrong_token_is_not_retryable(
    name: str, platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    secrets.values[CREDENTIAL_OF[name]] = WRONG
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES[name].reply, secrets=secrets, settings=settings)
    assert caught.value.retryable is False
    assert caught.value.status == 401
    assert caught.value.code == "delivery_failed"
    assert platforms.requests == []
    assert len(platforms.attempts) == 1
    assert_nothing_leaks(caught.value, WRONG)


@pytest.mark.parametrize("name", ["x-public-reply", "messenger", "whatsapp-contextual-reply", "generic"])
def test_503_is_retryable_and_the_next_try_goes_through(
    name: str, platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    platforms.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(DeliveryFailed) as caught:
            send_reply(CASES[name].reply, secrets=secrets, settings=settings)
        assert caught.value.retryable is True
        assert caught.value.status == 503
        assert_nothing_leaks(caught.value, platforms.x_token, platforms.page_token, platforms.whatsapp_token)
    delivered = send_reply(CASES[name].reply, secrets=secrets, settings=settings)
    assert delivered.external_id
    assert len(platforms.attempts) == 3
    assert len(platforms.requests) == 1


def test_429_is_retryable(platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings) -> None:
    platforms.fail_next(1, status=429)
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["x-dm"].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (True, 429)
    assert "Too Many Requests" in caught.value.reason


def test_other_4xx_is_not_retryable(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    platforms.fail_next(
        1, status=403, body={"title": "Forbidden", "detail": "duplicate content", "type": "about:blank"}
    )
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["x-public-reply"].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (False, 403)
    assert "duplicate content" in caught.value.reason


def test_graph_throttling_code_on_a_400_is_retryable(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    throttled = {
        "error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4}
    }
    platforms.fail_next(1, status=400, body=throttled)
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["instagram-comment-reply"].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (True, 400)
    assert "code 4" in caught.value.reason


def test_a_platform_error_echoing_the_text_is_withheld(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    echo = {
        "error": {
            "message": f"Bad text: {TEXT} for {platforms.page_token}",
            "type": "OAuthException",
            "code": 100,
        }
    }
    platforms.fail_next(1, status=400, body=echo)
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["messenger"].reply, secrets=secrets, settings=settings)
    assert caught.value.retryable is False
    assert "withheld" in caught.value.reason
    assert_nothing_leaks(caught.value, platforms.page_token)


def test_a_redirect_is_not_followed(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    platforms.fail_next(1, status=307, headers={"Location": platforms.base_url + "/elsewhere"})
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["whatsapp-contextual-reply"].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (False, 307)
    assert len(platforms.attempts) == 1


@pytest.mark.parametrize("name", ["x-dm", "facebook-comment-reply", "messenger", "generic"])
def test_connection_refused_is_retryable(name: str, secrets: DictSecrets) -> None:
    closed = f"http://127.0.0.1:{unused_port()}"
    secrets.values[f"outbound/generic/{SOURCE}/callback-url"] = closed + "/generic/callback"
    settings = OutboundSettings(x_api_base_url=closed + "/x", meta_graph_base_url=closed + "/graph/v21.0")
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES[name].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (True, None)
    assert "connection failed" in caught.value.reason
    assert_nothing_leaks(caught.value, *secrets.values.values())


def test_a_timeout_is_retryable(platforms: FakePlatforms, secrets: DictSecrets) -> None:
    settings = OutboundSettings(
        x_api_base_url=platforms.x_base_url, meta_graph_base_url=platforms.graph_base_url, timeout_seconds=0.2
    )
    platforms.stall_next(1, seconds=2)
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["instagram-dm"].reply, secrets=secrets, settings=settings)
    assert (caught.value.retryable, caught.value.status) == (True, None)
    assert "0.2 s" in caught.value.reason


@pytest.mark.parametrize("name", CREDENTIAL_OF.keys())
def test_a_missing_credential_is_not_retryable(
    name: str, platforms: FakePlatforms, settings: OutboundSettings
) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES[name].reply, secrets=DictSecrets({}), settings=settings)
    assert (caught.value.retryable, caught.value.status) == (False, None)
    assert "no credential configured" in caught.value.reason
    assert platforms.attempts == []


def test_a_missing_generic_callback_url_is_named(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    del secrets.values[f"outbound/generic/{SOURCE}/callback-url"]
    with pytest.raises(DeliveryFailed, match=f"outbound/generic/{SOURCE}/callback-url") as caught:
        send_reply(CASES["generic"].reply, secrets=secrets, settings=settings)
    assert caught.value.retryable is False


def test_a_secret_store_outage_is_retryable(platforms: FakePlatforms, settings: OutboundSettings) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        send_reply(CASES["x-dm"].reply, secrets=BrokenSecrets(), settings=settings)
    assert caught.value.retryable is True
    assert platforms.attempts == []


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (reply(Channel.X, private=False), "in_reply_to"),
        (reply(Channel.X, private=False, in_reply_to="not-a-tweet"), "1-19 digits"),
        (reply(Channel.X, private=True), "recipient"),
        (reply(Channel.FACEBOOK, private=False), "in_reply_to"),
        (reply(Channel.FACEBOOK, private=False, in_reply_to="../me/feed"), "not a Graph API id"),
        (reply(Channel.FACEBOOK, private=True), "recipient"),
        (reply(Channel.MESSENGER, private=True), "recipient"),
        (reply(Channel.INSTAGRAM, private=False), "in_reply_to"),
        (reply(Channel.INSTAGRAM, private=True), "recipient"),
        (reply(Channel.WHATSAPP, private=True, recipient=WA_ID), "brand_account"),
        (reply(Channel.WHATSAPP, private=True, brand_account="106540352242922"), "recipient"),
        (reply(Channel.GENERIC, private=False), "source"),
        (reply(Channel.GENERIC, private=False, source="../etc"), "source"),
        (reply(Channel.GENERIC, private=False, source=SOURCE, in_reply_to="other:1"), f"'{SOURCE}:<id>'"),
    ],
)
def test_missing_or_malformed_ids_fail_before_any_request(
    bad: OutboundReply, match: str, platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    with pytest.raises(DeliveryFailed, match=match) as caught:
        send_reply(bad, secrets=secrets, settings=settings)
    assert caught.value.retryable is False
    assert platforms.attempts == []


def test_instagram_dm_over_1000_bytes_is_refused(
    platforms: FakePlatforms, secrets: DictSecrets, settings: OutboundSettings
) -> None:
    long = OutboundReply(
        reply_id="r", ticket_id="t", channel=Channel.INSTAGRAM, text="é" * 501, private=True, recipient=IGSID
    )
    with pytest.raises(DeliveryFailed, match="1000 bytes") as caught:
        send_reply(long, secrets=secrets, settings=settings)
    assert caught.value.retryable is False
    assert platforms.attempts == []


def test_plain_http_is_refused_off_loopback(secrets: DictSecrets) -> None:
    settings = OutboundSettings(x_api_base_url="http://api.x.example")
    with pytest.raises(DeliveryFailed, match="loopback") as caught:
        send_reply(CASES["x-dm"].reply, secrets=secrets, settings=settings)
    assert caught.value.retryable is False


def test_the_reply_model_validates() -> None:
    with pytest.raises(ValidationError):
        OutboundReply(reply_id="r", ticket_id="t", channel=Channel.X, text=TEXT)  # type: ignore[call-arg]
    for text in ("", "   ", "x" * 10_001):
        with pytest.raises(ValidationError):
            OutboundReply(reply_id="r", ticket_id="t", channel=Channel.X, text=text, private=False)
    numeric = OutboundReply(
        reply_id="r",
        ticket_id="t",
        channel="x",
        text="hi",
        private=True,
        recipient=783214,  # type: ignore[arg-type]
    )
    assert numeric.recipient == "783214"
    with pytest.raises(ValidationError):
        numeric.text = "changed"  # type: ignore[misc]


# --- the fake itself rejects what the platforms reject ---------------------------------------------


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    ("path", "query", "body", "headers", "status", "shape"),
    [
        ("/x/2/tweets", "", b'{"text":"hi","reply":{"in_reply_to_tweet_id":1}}', "x-json", 400, "x"),
        ("/x/2/tweets", "", b"text=hi", "x-form", 400, "x"),
        ("/x/2/tweets", "", b'{"text":"hi","in_reply_to_tweet_id":"1"}', "x-json", 400, "x"),
        ("/x/2/dm_conversations/with/abc/messages", "", b'{"text":"hi"}', "x-json", 400, "x"),
        ("/x/2/tweets", "", b'{"text":"hi"}', "json", 401, "x"),
        ("/graph/v21.0/1_2/comments", "", b"access_token=PAGE", "form", 400, "graph"),
        ("/graph/v21.0/1_2/comments", "", b"message=hi&access_token=nope", "form", 401, "graph"),
        (
            "/graph/v21.0/me/messages",
            "?access_token=PAGE",
            b'{"recipient":{"id":"1"},"messaging_type":"NOW","message":{"text":"hi"}}',
            "json",
            400,
            "graph",
        ),
        (
            "/graph/v21.0/me/messages",
            "?access_token=PAGE",
            b'{"recipient":{"id":"1"},"message":{}}',
            "json",
            400,
            "graph",
        ),
        (
            "/graph/v21.0/999/messages",
            "?access_token=PAGE",
            b'{"recipient":{"id":"1"},"message":{"text":"hi"}}',
            "json",
            400,
            "graph",
        ),
        (
            "/graph/v21.0/PHONE/messages",
            "",
            b'{"to":"1","type":"text","text":{"body":"hi"}}',
            "wa-json",
            400,
            "graph",
        ),
        (
            "/generic/callback",
            "",
            b'{"reply_id":"r","ticket_id":"t","in_reply_to":null,"text":"hi"}',
            "json-badsig",
            401,
            "generic",
        ),
    ],
)
def test_the_fake_rejects_malformed_requests(
    platforms: FakePlatforms, path: str, query: str, body: bytes, headers: str, status: int, shape: str
) -> None:
    header_sets = {
        "json": {"Content-Type": "application/json"},
        "form": {"Content-Type": "application/x-www-form-urlencoded"},
        "x-json": {"Content-Type": "application/json", "Authorization": f"Bearer {platforms.x_token}"},
        "x-form": {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Bearer {platforms.x_token}",
        },
        "wa-json": {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {platforms.whatsapp_token}",
        },
        "json-badsig": {"Content-Type": "application/json", "X-SocialDesk-Signature": "t=1,v1=00"},
    }
    url = (
        platforms.base_url
        + path.replace("PHONE", platforms.phone_number_id)
        + query.replace("PAGE", platforms.page_token)
    )
    answered, answer = raw_post(
        url, body.replace(b"PAGE", platforms.page_token.encode()), header_sets[headers]
    )
    assert answered == status
    if shape == "x":
        assert {"title", "type"} <= set(answer)
    elif shape == "graph":
        assert {"message", "type", "code", "fbtrace_id"} <= set(answer["error"])
    else:
        assert answer["error"] == "invalid_signature"
    assert platforms.requests == []
