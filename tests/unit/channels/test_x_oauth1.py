"""X replies signed with OAuth 1.0a user context: X's published vector, the local X checking it, no expiry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from local.platforms import X_OAUTH2_TOKEN_LIFETIME, FakePlatforms
from socialdesk.channels.outbound import (
    DeliveryFailed,
    OutboundReply,
    OutboundSettings,
    send_reply,
    x_credentials,
)
from socialdesk.channels.x import oauth1
from socialdesk.channels.x import send as x_send
from socialdesk.domain.mention import Channel

# X's "Creating a signature" example (docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature)
EXAMPLE_URL = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
EXAMPLE_PARAMETERS = [
    ("status", "Hello Ladies + Gentlemen, a signed OAuth request!"),
    ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
    ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
    ("oauth_signature_method", "HMAC-SHA1"),
    ("oauth_timestamp", "1318622958"),
    ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
    ("oauth_version", "1.0"),
]
EXAMPLE_BASE_STRING = (
    "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26"
    "oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
    "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-"
    "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B"
    "%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
)
EXAMPLE_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
EXAMPLE_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
EXAMPLE_SIGNATURE = "hCtSmYh+iHYCEqBWrE7C7hYmtUk="

T0 = 1_795_424_400.0
TWEET_ID = "1795424400000000001"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class DictSecrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def platforms(clock: Clock) -> Iterator[FakePlatforms]:
    with FakePlatforms(clock=clock) as fake:
        yield fake


@pytest.fixture
def settings(platforms: FakePlatforms) -> OutboundSettings:
    return OutboundSettings(x_api_base_url=platforms.x_base_url, meta_graph_base_url=platforms.graph_base_url)


def public_reply(**fields: Any) -> OutboundReply:
    return OutboundReply(
        reply_id="r-1",
        ticket_id="t-1",
        channel=Channel.X,
        text="Sorry!",
        private=False,
        in_reply_to=TWEET_ID,
        **fields,
    )


def test_the_signature_base_string_and_signature_match_xs_published_example() -> None:
    base = oauth1.signature_base_string("POST", EXAMPLE_URL, EXAMPLE_PARAMETERS)
    assert base == EXAMPLE_BASE_STRING
    assert oauth1.sign(base, EXAMPLE_CONSUMER_SECRET, EXAMPLE_TOKEN_SECRET) == EXAMPLE_SIGNATURE


def test_percent_encoding_is_rfc3986() -> None:
    assert oauth1.percent_encode("Ladies + Gentlemen, a signed OAuth request!~") == (
        "Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21~"
    )
    assert oauth1.percent_encode("☃") == "%E2%98%83"
    assert oauth1.base_url("HTTPS://API.X.com:443/2/tweets?x=1") == "https://api.x.com/2/tweets"


def test_the_header_round_trips_and_carries_a_fresh_nonce() -> None:
    credentials = oauth1.OAuth1Credentials(
        consumer_key="ck", consumer_secret="cs", token="t k", token_secret="ts"
    )
    first = oauth1.authorization_header("POST", "https://api.x.com/2/tweets", credentials)
    second = oauth1.authorization_header("POST", "https://api.x.com/2/tweets", credentials)
    parsed = oauth1.parse_authorization_header(first)
    assert (
        parsed is not None
        and parsed["oauth_token"] == "t k"
        and parsed["oauth_signature_method"] == "HMAC-SHA1"
    )
    assert parsed["oauth_nonce"] != (oauth1.parse_authorization_header(second) or {})["oauth_nonce"]
    assert "cs" not in repr(credentials) and "ts" not in repr(credentials)


def test_a_reply_is_accepted_more_than_two_hours_after_the_tokens_were_issued(
    platforms: FakePlatforms, settings: OutboundSettings, clock: Clock
) -> None:
    # Given an OAuth 2.0 user token and OAuth 1.0a credentials, both issued at T0
    bearer = {"authorization": f"Bearer {platforms.x_token}"}
    # When 2 hours and 1 second pass on the platform's clock
    clock.now = T0 + X_OAUTH2_TOKEN_LIFETIME + 1
    # Then the OAuth 2.0 token is refused, as X refuses expired user tokens ...
    status, answer = raw_post(platforms, bearer)
    assert status == 401 and answer["errors"][0]["code"] == 89
    # ... and the OAuth 1.0a-signed reply goes through, then and a day later
    for later in (0, 86_400):
        clock.now = T0 + X_OAUTH2_TOKEN_LIFETIME + 1 + later
        delivered = x_send.send(
            public_reply(), credentials=platforms.x_credentials, settings=settings, now=clock()
        )
        assert delivered.external_id
    assert len(platforms.requests) == 2


def test_a_bad_signature_is_refused_with_xs_error(
    platforms: FakePlatforms, settings: OutboundSettings
) -> None:
    wrong = platforms.x_credentials.model_copy(update={"token_secret": "not-the-token-secret"})
    with pytest.raises(DeliveryFailed) as caught:
        x_send.send(public_reply(), credentials=wrong, settings=settings, now=T0)
    assert (caught.value.status, caught.value.retryable) == (401, False)
    (attempt,) = platforms.attempts
    assert attempt.response["errors"] == [{"code": 32, "message": "Could not authenticate you."}]
    assert "not-the-token-secret" not in caught.value.reason


def test_a_missing_signature_is_refused(platforms: FakePlatforms) -> None:
    status, answer = raw_post(platforms, {})
    assert status == 401 and answer["errors"][0]["code"] == 32
    assert {"title", "type", "detail"} <= set(answer)


def test_a_stale_timestamp_is_refused(platforms: FakePlatforms, settings: OutboundSettings) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        x_send.send(public_reply(), credentials=platforms.x_credentials, settings=settings, now=T0 - 301)
    assert caught.value.status == 401
    assert platforms.attempts[0].response["errors"] == [{"code": 135, "message": "Timestamp out of bounds."}]


def test_a_replayed_request_is_refused(platforms: FakePlatforms) -> None:
    url = platforms.x_base_url + "/2/tweets"
    header = oauth1.authorization_header("POST", url, platforms.x_credentials, timestamp=int(T0))
    assert raw_post(platforms, {"authorization": header})[0] == 201
    assert raw_post(platforms, {"authorization": header})[0] == 401  # the same nonce twice


def test_concurrent_sends_and_retries_need_no_shared_token_state(
    platforms: FakePlatforms, settings: OutboundSettings
) -> None:
    # OAuth 1.0a has no refresh: 8 senders racing (and a retry after a 503) each sign afresh
    platforms.fail_next(1, status=503)
    results: list[Any] = []

    def send() -> None:
        try:
            results.append(
                x_send.send(public_reply(), credentials=platforms.x_credentials, settings=settings, now=T0)
            )
        except DeliveryFailed as failure:
            results.append(failure)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [r for r in results if isinstance(r, DeliveryFailed)]
    assert len(failed) == 1 and failed[0].retryable
    x_send.send(public_reply(), credentials=platforms.x_credentials, settings=settings, now=T0)
    assert len(platforms.requests) == 8


def test_replies_go_out_with_the_brand_accounts_own_credentials() -> None:
    # Given a default X account whose tokens the platform does not accept, and brand account 111 whose it does
    platforms = FakePlatforms().start()  # the real clock: send_reply signs with the current time
    settings = OutboundSettings(
        x_api_base_url=platforms.x_base_url, meta_graph_base_url=platforms.graph_base_url
    )
    good = platforms.x_credentials
    secrets = DictSecrets(
        {
            "outbound/x/default/consumer-key": good.consumer_key,
            "outbound/x/default/consumer-secret": good.consumer_secret,
            "outbound/x/default/access-token": "another-account-token",
            "outbound/x/default/access-token-secret": "another-account-secret",
            "outbound/x/111/access-token": good.token,
            "outbound/x/111/access-token-secret": good.token_secret,
        }
    )
    # Then account 111 posts with its own access token (the app's key pair from default) ...
    assert x_credentials(secrets, "111") == good
    try:
        send_reply(public_reply(brand_account="111"), secrets=secrets, settings=settings)
        # ... an account without credentials of its own falls back to the default account's
        with pytest.raises(DeliveryFailed) as caught:
            send_reply(public_reply(brand_account="222"), secrets=secrets, settings=settings)
    finally:
        platforms.stop()
    assert caught.value.status == 401
    with pytest.raises(DeliveryFailed, match="not a valid id"):
        x_credentials(secrets, "../inbound")


def raw_post(platforms: FakePlatforms, headers: dict[str, str]) -> tuple[int, Any]:
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - a loopback URL
        platforms.x_base_url + "/2/tweets",
        data=json.dumps({"text": "hi"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
