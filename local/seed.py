"""A small seeded desk for ``make serve``, the browser tests and the README walkthrough.

A few conversations on every channel, written minutes before "now" (so nothing escalates in the
first minutes: the earliest warning is more than half an hour away), signed and delivered through
the webhooks like the platforms' own, routed by the real state machine; plus canned responses for
the busiest teams. Ids are stable: the README's examples name them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from local import platforms as fake
from local.gateway import LocalGateway
from local.make_events import BRAND_X_ID, PAGE_ID, WA_PHONE_NUMBER_ID
from local.scripted_day import (
    REVIEW_SOURCE,
    Arrival,
    Arrivals,
    FacebookComment,
    InstagramComment,
    MessengerMessage,
    Review,
    Tweet,
    WhatsAppMessage,
    XDirectMessage,
    _number,
)
from local.stack import LocalStack
from local.token import mint

#: (minutes before now, what arrives) — customers on every channel, one thread with a stranger's
#: reply (context), and one customer who wrote in two threads (two tickets an agent can merge)
SEED: tuple[tuple[int, Arrival], ...] = (
    (
        18,
        Tweet(
            "ann-cancelled",
            "ann_travels",
            "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone",
        ),
    ),
    (
        16,
        Tweet(
            "stranger-same",
            "jo_flies",
            "@ann_travels same thing happened to me last week lol",
            in_reply_to="ann-cancelled",
        ),
    ),
    (
        15,
        Tweet("dora-charged", "dora_k", "@SkyHighAir I was charged twice for booking BK881, I want a refund"),
    ),
    (14, FacebookComment("fb-refund", "Grace Miller", "Where is my refund? Third time asking, order 5521")),
    (12, MessengerMessage("ms-bag", "Omar Haddad", "My bag did not arrive in Lisbon, what do I do now?")),
    (11, XDirectMessage("dm-seat", "leo_p", "Leo P", "Hi, can I change my seat on SH12 tomorrow?")),
    (
        10,
        WhatsAppMessage(
            "wa-app", "Priya", "351912345678", "The app keeps crashing when I try to pay, it is broken"
        ),
    ),
    (8, InstagramComment("ig-love", "mila.travels", "Love the new lounge in Lisbon!")),
    (
        7,
        Review(
            "rv-never", "Sam Ortiz", "Rude crew", "Delayed 5 hours and the crew was rude. Awful service.", 1
        ),
    ),
    (
        5,
        Tweet(
            "ann-again",
            "ann_travels",
            "@SkyHighAir still waiting for an answer about SH12, this is terrible service",
        ),
    ),
    (3, MessengerMessage("ms-question", "Nina Berg", "Do you fly to Porto in December?")),
)
#: the seeded tweet the README's examples read (``/mentions/x/<this>``)
README_TWEET = _number("tweet:ann-cancelled", 19)
#: canned responses per team, created by a lead at start
CANNED: dict[str, tuple[tuple[str, str], ...]] = {
    "customer-care": (
        (
            "Sorry — looking into it",
            "Hi {{customer.name}}, I'm so sorry about this. I'm looking into it now — {{agent.name}}",
        ),
        (
            "Ask for the booking reference",
            "Hi {{customer.name}}, could you DM us your booking reference? (ref {{ticket.id}})",
        ),
    ),
    "billing": (
        (
            "Refund on its way",
            "Hi {{customer.name}}, your refund is on its way: 3-5 working days. Sorry! — {{agent.name}}",
        ),
    ),
}


@dataclass
class Seeded:
    """What the seed put on the desk: each label's channel and external id."""

    mentions: dict[str, tuple[str, str]]

    def external_id(self, label: str) -> str:
        """The external id of a seeded message."""
        return self.mentions[label][1]


def seed(gateway: LocalGateway, now: datetime) -> Seeded:
    """Deliver :data:`SEED` through the webhooks, route it, and create the canned responses."""
    seen = Arrivals()
    for minutes, arrival in SEED:
        delivery = arrival.delivery(now - timedelta(minutes=minutes), seen)
        response = gateway.request("POST", delivery.path, delivery.headers, delivery.body)
        if response.status != 200:
            raise RuntimeError(f"seeding {arrival.label}: {response.status} {response.body[:200]!r}")
        seen.mentions[arrival.label] = (delivery.channel, delivery.external_id)
        gateway.stack.pump()
    for team, responses in CANNED.items():
        token = mint([team], "lead", "lead-lee")
        for title, text in responses:
            body = json.dumps({"team": team, "title": title, "text": text}).encode()
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            created = gateway.request("POST", "/canned-responses", headers, body)
            if created.status != 201:
                raise RuntimeError(f"seeding canned responses: {created.status} {created.body[:200]!r}")
    return Seeded(mentions=dict(seen.mentions))


def platforms() -> fake.FakePlatforms:
    """The local platform server, speaking for the seed's brand accounts."""
    return fake.FakePlatforms(page_id=PAGE_ID, phone_number_id=WA_PHONE_NUMBER_ID, brand_x_id=BRAND_X_ID)


@contextmanager
def local_desk(overrides: dict[str, str] | None = None) -> Iterator[tuple[LocalGateway, fake.FakePlatforms]]:
    """A local stack whose replies go to a local platform server (started here), not the real hosts."""
    with platforms() as server:
        stack = LocalStack(
            parameter_overrides={
                "Stage": "local",
                "XApiBaseUrl": server.x_base_url,
                "MetaGraphBaseUrl": server.graph_base_url,
                **(overrides or {}),
            }
        )
        try:
            stack.put_secrets(server.outbound_secrets([REVIEW_SOURCE]))
            yield LocalGateway(stack), server
        finally:
            stack.close()


def teams_of(gateway: LocalGateway) -> list[str]:
    """The teams the stack's policy names (for the dev sign-in)."""
    response = gateway.request("GET", "/teams", {"authorization": f"Bearer {mint([], 'admin', 'local-dev')}"})
    body: Any = response.json()
    return list(body["teams"])
