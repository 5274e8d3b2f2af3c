"""A scripted day on a simulated clock: mentions on every channel, agents at work, the SLA scheduler.

The script is data — a list of ``("HH:MM", action)`` — and :func:`run_day` replays it against a
fresh local stack: webhooks signed as each platform signs them, the table stream and the real
route-mention state machine (``stack.pump()``), the agent API behind the JWT authorizer (replies go
out to :class:`local.platforms.FakePlatforms`), and the escalation schedule fired once per simulated
minute (``stack.tick(now)``). ``bootstrap.clock`` is the simulated clock, so replies, resolves and
reopens happen at scripted times; mentions carry their scripted time as the platform's timestamp.

Within a minute: the minute's script entries in order (consecutive arrivals are posted together,
then pumped), then the escalation run for that minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import time as wallclock
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local import devsecrets
from local import platforms as fake
from local.gateway import HttpResponse, LocalGateway
from local.make_events import (
    BRAND_X_ID,
    IG_ACCOUNT_ID,
    PAGE_ID,
    WA_DISPLAY_NUMBER,
    WA_PHONE_NUMBER_ID,
    WABA_ID,
)
from local.stack import LocalStack
from local.token import mint

#: the simulated day (a Monday)
DAY = datetime(2026, 11, 23, tzinfo=UTC)
#: agent → teams (tokens carry these; an agent sees only their teams' tickets)
AGENTS: dict[str, tuple[str, ...]] = {
    "ann": ("customer-care",),
    "ben": ("customer-care",),
    "cleo": ("billing",),
    "dev": ("tech-support",),
    "eva": ("trust-safety",),
    "finn": ("crisis",),
    "gus": ("escalations",),
}
LEVEL_NAMES = ("warning", "breach", "reassign", "manager")
REVIEW_SOURCE = "reviews"
_FB_POST = "1187654321098765"


def _number(label: str, digits: int) -> str:
    """A stable ``digits``-digit id for ``label`` (no leading zero)."""
    value = int(hashlib.sha256(label.encode()).hexdigest(), 16)
    return str(10 ** (digits - 1) + value % (9 * 10 ** (digits - 1)))


def _token(label: str, length: int) -> str:
    return hashlib.sha256(f"token:{label}".encode()).hexdigest()[:length]


def _compact(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- the script's vocabulary --------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One signed webhook request and the mention it carries."""

    path: str
    headers: dict[str, str]
    body: bytes
    channel: str
    external_id: str


class Arrivals:
    """What earlier steps left behind that a new mention may refer to."""

    def __init__(self) -> None:
        self.mentions: dict[str, tuple[str, str]] = {}  # label → (channel, external id)
        self.our_replies: dict[str, str] = {}  # label → the platform id of our latest reply

    def mention_id(self, label: str) -> str:
        """The external id of the mention ``label`` (it must have arrived already)."""
        return self.mentions[label][1]


def _x_delivery(payload: dict[str, Any], external_id: str) -> Delivery:
    from socialdesk.channels import x

    body = _compact(payload)
    signature = x.sign(devsecrets.value("X_CONSUMER_SECRET"), body)
    headers = {"content-type": "application/json", x.SIGNATURE_HEADER: signature}
    return Delivery("/webhooks/x", headers, body, "x", external_id)


def _meta_delivery(payload: dict[str, Any], channel: str, external_id: str) -> Delivery:
    from socialdesk.channels import meta

    body = _compact(payload)
    signature = meta.sign(devsecrets.value("META_APP_SECRET"), body)
    headers = {"content-type": "application/json", meta.SIGNATURE_HEADER: signature}
    return Delivery("/webhooks/meta", headers, body, channel, external_id)


@dataclass(frozen=True)
class Tweet:
    """A public tweet mentioning the brand; a reply in a thread with ``in_reply_to`` (a label) or
    ``answers_our_reply`` (the label whose ticket we last replied to: the customer answers us)."""

    label: str
    handle: str
    text: str
    followers: int = 180
    in_reply_to: str | None = None
    answers_our_reply: str | None = None
    team: str | None = None  # where routing must put it (checked)

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        tweet_id = _number(f"tweet:{self.label}", 19)
        status: dict[str, Any] = {
            "id_str": tweet_id,
            "text": self.text,
            "created_at": at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "user": {
                "id_str": _number(f"x-user:{self.handle}", 10),
                "screen_name": self.handle,
                "followers_count": self.followers,
            },
            "favorite_count": 0,
            "retweet_count": 0,
        }
        parent = (
            seen.mention_id(self.in_reply_to)
            if self.in_reply_to
            else seen.our_replies[self.answers_our_reply]
            if self.answers_our_reply
            else None
        )
        if parent:
            status["in_reply_to_status_id_str"] = parent
        return _x_delivery({"for_user_id": BRAND_X_ID, "tweet_create_events": [status]}, tweet_id)


@dataclass(frozen=True)
class XDirectMessage:
    """A direct message to the brand's X account."""

    label: str
    handle: str
    name: str
    text: str
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        message_id = _number(f"dm:{self.label}", 19)
        sender = _number(f"x-user:{self.handle}", 10)
        payload = {
            "for_user_id": BRAND_X_ID,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": message_id,
                    "created_timestamp": str(int(at.timestamp() * 1000)),
                    "message_create": {
                        "target": {"recipient_id": BRAND_X_ID},
                        "sender_id": sender,
                        "message_data": {"text": self.text},
                    },
                }
            ],
            "users": {
                sender: {"id": sender, "screen_name": self.handle, "name": self.name, "followers_count": 90}
            },
        }
        return _x_delivery(payload, message_id)


@dataclass(frozen=True)
class FacebookComment:
    """A comment under a post on the brand's Facebook Page."""

    label: str
    name: str
    text: str
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        stamp = int(at.timestamp())
        comment_id = f"{_FB_POST}_{_number(f'fb:{self.label}', 15)}"
        post_id = f"{PAGE_ID}_{_FB_POST}"
        value = {
            "from": {"id": _number(f"fb-user:{self.name}", 16), "name": self.name},
            "post": {"id": post_id, "status_type": "added_photos", "is_published": True},
            "message": self.text,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": stamp,
            "item": "comment",
            "parent_id": post_id,
            "verb": "add",
        }
        payload = {
            "object": "page",
            "entry": [{"id": PAGE_ID, "time": stamp, "changes": [{"field": "feed", "value": value}]}],
        }
        return _meta_delivery(payload, "facebook", comment_id)


@dataclass(frozen=True)
class MessengerMessage:
    """A Messenger message to the brand's Page."""

    label: str
    name: str
    text: str
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        millis = int(at.timestamp() * 1000)
        mid = f"m_{_token(f'messenger:{self.label}', 40)}"
        event = {
            "sender": {"id": _number(f"psid:{self.name}", 16)},
            "recipient": {"id": PAGE_ID},
            "timestamp": millis,
            "message": {"mid": mid, "text": self.text},
        }
        payload = {"object": "page", "entry": [{"id": PAGE_ID, "time": millis, "messaging": [event]}]}
        return _meta_delivery(payload, "messenger", mid)


@dataclass(frozen=True)
class InstagramComment:
    """A comment on one of the brand's Instagram posts."""

    label: str
    username: str
    text: str
    media: str = "lisbon-launch"  # which post (a comment thread per post)
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        comment_id = _number(f"ig:{self.label}", 17)
        value = {
            "from": {"id": _number(f"ig-user:{self.username}", 17), "username": self.username},
            "media": {"id": _number(f"ig-media:{self.media}", 17), "media_product_type": "FEED"},
            "id": comment_id,
            "text": self.text,
        }
        payload = {
            "object": "instagram",
            "entry": [
                {
                    "id": IG_ACCOUNT_ID,
                    "time": int(at.timestamp()),
                    "changes": [{"field": "comments", "value": value}],
                }
            ],
        }
        return _meta_delivery(payload, "instagram", comment_id)


@dataclass(frozen=True)
class WhatsAppMessage:
    """A WhatsApp message to the brand's business number."""

    label: str
    name: str
    phone: str
    text: str
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        wamid = f"wamid.{_token(f'wa:{self.label}', 48)}"
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": WA_DISPLAY_NUMBER, "phone_number_id": WA_PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": self.name}, "wa_id": self.phone}],
            "messages": [
                {
                    "from": self.phone,
                    "id": wamid,
                    "timestamp": str(int(at.timestamp())),
                    "text": {"body": self.text},
                    "type": "text",
                }
            ],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}],
        }
        return _meta_delivery(payload, "whatsapp", wamid)


@dataclass(frozen=True)
class Review:
    """A review on a review site, through the generic webhook (``/webhooks/generic/reviews``)."""

    label: str
    name: str
    title: str
    text: str
    rating: int
    team: str | None = None

    def delivery(self, at: datetime, seen: Arrivals) -> Delivery:
        from socialdesk.channels import generic

        review_id = f"rv-{_token(f'review:{self.label}', 8)}"
        payload = {
            "id": review_id,
            "event": "created",
            "kind": "review",
            "title": self.title,
            "text": self.text,
            "rating": self.rating,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": {"id": f"reviewer-{_token(self.name, 8)}", "name": self.name},
            "url": f"https://reviews.example/airlines/skyhigh-air/reviews/{review_id}",
            "language": "en",
            "brand_account": "skyhigh-air",
        }
        body = _compact(payload)
        # the receiver checks the signature's t against the real clock (300 s window), not the script's
        signature = generic.sign(devsecrets.value("GENERIC_WEBHOOK_SECRET"), body, int(wallclock.time()))
        headers = {"content-type": "application/json", generic.SIGNATURE_HEADER: signature}
        path = f"/webhooks/generic/{REVIEW_SOURCE}"
        return Delivery(path, headers, body, "generic", f"{REVIEW_SOURCE}:{review_id}")


Arrival = (
    Tweet | XDirectMessage | FacebookComment | MessengerMessage | InstagramComment | WhatsAppMessage | Review
)


@dataclass(frozen=True)
class Reply:
    """``agent`` answers the ticket of mention ``label``; ``double_click`` sends the same request twice."""

    label: str
    agent: str
    text: str
    double_click: bool = False


@dataclass(frozen=True)
class Assign:
    """``agent`` assigns the ticket of ``label`` to ``assignee`` and/or moves it to ``team``."""

    label: str
    agent: str
    assignee: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Resolve:
    """``agent`` resolves the ticket of ``label``."""

    label: str
    agent: str
    resolution: str = "answered"


@dataclass(frozen=True)
class Reopen:
    """``agent`` reopens the (resolved) ticket of ``label``."""

    label: str
    agent: str


@dataclass(frozen=True)
class Retweets:
    """``count`` other customers retweet the tweet of ``label``: its backup grows after it arrived."""

    label: str
    count: int


Action = Arrival | Reply | Assign | Resolve | Reopen | Retweets
Script = Sequence[tuple[str, Action]]


# --- the day ------------------------------------------------------------------------------------

# fmt: off
#: 12 customers of one flight report lost bags within 10 minutes
_SURGE = [
    ("10:31", "bag01", "mkowalski", "@SkyHighAir you lost my bag on SH 1190 from Newark. Nobody at the desk can help"),  # noqa: E501
    ("10:31", "bag02", "jen_rivera", "@SkyHighAir lost bag again on SH 1190, the carousel stopped and nobody helps"),  # noqa: E501
    ("10:32", "bag03", "okafor_t", "@SkyHighAir my bag is lost, SH 1190 landed 2 hours ago. Terrible service"),  # noqa: E501
    ("10:33", "bag04", "lucyb", "@SkyHighAir lost luggage on SH 1190 from Newark, 45 min in line and no answers"),  # noqa: E501
    ("10:33", "bag05", "dpatel", "@SkyHighAir you lost my suitcase on SH 1190. Two hours at the carousel. Awful"),  # noqa: E501
    ("10:34", "bag06", "sam_h", "@SkyHighAir SH 1190 bags lost, whole flight waiting at baggage claim, nobody helps"),  # noqa: E501
    ("10:35", "bag07", "kimnguyen", "@SkyHighAir lost my bag on SH 1190, the baggage desk is closed. Ridiculous"),  # noqa: E501
    ("10:36", "bag08", "theo_m", "@SkyHighAir my luggage is lost after SH 1190, no staff anywhere. Worst airline"),  # noqa: E501
    ("10:37", "bag09", "anabel", "@SkyHighAir lost bag on SH 1190 from Newark and nobody at the airport knows anything"),  # noqa: E501
    ("10:38", "bag10", "r_costa", "@SkyHighAir you lost my bag on SH 1190 too. Kids' clothes in it. Unacceptable"),  # noqa: E501
    ("10:39", "bag11", "fionaw", "@SkyHighAir lost my bag on SH 1190, an hour at the carousel and nothing. Awful"),  # noqa: E501
    ("10:40", "bag12", "hdiaz", "@SkyHighAir SH 1190 lost my bag and my connection is tomorrow. Nobody helps"),  # noqa: E501
]
# fmt: on
_BAG_SORRY = "We're sorry — SH 1190's bags missed the connection at Newark. Yours arrives tonight."

# fmt: off
DAY_SCRIPT: Script = [
    ("08:04", Tweet("dana", "danaflies", "@SkyHighAir SH 214 from Denver was cancelled after 3 hours at the gate and nobody tells us anything. Worst airline ever", team="customer-care")),  # noqa: E501
    ("08:09", Tweet("dana-thread", "danaflies", "@SkyHighAir booking ref K7PQ2M, I need to be in Chicago tonight. Can you rebook me?", in_reply_to="dana")),  # noqa: E501
    ("08:15", XDirectMessage("tomas", "tomasherrera", "Tomás Herrera", "Hi, can I take my guitar as cabin baggage on SH 88 tomorrow? It is in a soft case.", team="customer-care")),  # noqa: E501
    ("08:21", Reply("dana", "ann", "So sorry, Dana. You're rebooked on SH 230 at 18:05 tonight; the boarding pass is in your email.")),  # noqa: E501
    ("08:30", FacebookComment("grace", "Grace Adeyemi", "I was told the refund for my cancelled SH 733 would take 7 days. It has been 5 weeks. Booking ref QX7PLM. Who can actually help with this?", team="billing")),  # noqa: E501
    ("08:40", Reply("tomas", "ben", "Hi Tomás! Yes, a guitar in a soft case counts as your cabin bag on SH 88.", double_click=True)),  # noqa: E501
    ("08:45", Resolve("tomas", "ben")),
    ("09:02", Tweet("dana-followup", "danaflies", "@SkyHighAir thanks, I'm on SH 230 now. Will you cover my hotel in Denver tonight?", answers_our_reply="dana")),  # noqa: E501
    ("09:12", MessengerMessage("lena", "Lena Kowal", "Hi, my bag didn't arrive on SH 1190 from Newark last night. The file reference is EWRSH48213. Is there any update? I need it by tomorrow morning.", team="customer-care")),  # noqa: E501
    ("09:15", Assign("lena", "ben", assignee="agent-ben")),
    ("09:20", Reply("dana", "ann", "Yes: keep the receipt and send it to us by DM, we reimburse up to $150 a night.")),  # noqa: E501
    ("09:30", Resolve("dana", "ann")),
    ("09:40", InstagramComment("jules", "jetsetjules", "Booked the Lisbon launch fare but the app crashes every time I pick a seat 😩 anyone else?", team="tech-support")),  # noqa: E501
    ("09:50", Reply("lena", "ben", "Found it, Lena: your bag is on tonight's SH 1190 and will be at your door by 10:00.")),  # noqa: E501
    ("10:02", WhatsAppMessage("ravi", "Ravi Menon", "447700900321", "Hello, I need to add wheelchair assistance to booking HJ3K9Q for my father, he flies Saturday from Manchester. Can you help?", team="trust-safety")),  # noqa: E501
    ("10:05", Reply("jules", "dev", "Sorry about that! A fix is rolling out today; meanwhile seats can be picked on the website.")),  # noqa: E501
    ("10:10", Reply("ravi", "eva", "Done: wheelchair assistance is on HJ3K9Q for both flights, and the crew will meet him at the gate.")),  # noqa: E501
    ("10:30", Resolve("ravi", "eva")),
    *[
        # the 10th complaint within 15 minutes opens the incident: from then on the crisis team's
        (at, Tweet(label, handle, text, team="crisis" if n >= 9 else "customer-care"))
        for n, (at, label, handle, text) in enumerate(_SURGE)
    ],
    ("10:50", Reply("bag10", "finn", _BAG_SORRY)),
    ("11:05", Reply("bag11", "finn", _BAG_SORRY)),
    ("11:20", Reply("bag01", "finn", _BAG_SORRY)),
    ("11:45", Reply("bag02", "finn", _BAG_SORRY)),
    ("12:05", Reply("bag03", "gus", _BAG_SORRY)),
    ("12:10", Review("priya", "Priya N.", "Lost bag, and nobody ever calls back", "My suitcase went missing on SH 1190 from Newark. Five days, four calls and two emails later I still have no idea where it is.", 1, team="crisis")),  # a lost bag of SH 1190 while its incident is open joins it  # noqa: E501
    ("12:30", Reply("bag12", "gus", _BAG_SORRY)),
    ("12:40", Reply("priya", "finn", "Priya, we are so sorry. Your case is now with our baggage lead, who will call you today.")),  # noqa: E501
    ("12:50", Reply("bag04", "gus", _BAG_SORRY)),
    ("13:05", Tweet("aiko", "aiko_t", "Huge thanks to the @SkyHighAir crew on SH 88, best flight I've had all year! ❤️", team="engagement")),  # noqa: E501
    ("13:15", Reply("bag05", "gus", _BAG_SORRY)),
    ("13:30", Tweet("marco", "marco_v", "@SkyHighAir I was charged twice for the seat upgrade on booking P9X2LL. Please refund the second charge", team="billing")),  # noqa: E501
    ("13:40", Reply("bag06", "gus", _BAG_SORRY)),
    ("14:00", Reply("marco", "cleo", "Marco, the second charge is refunded; it shows on your card within 3 days.")),  # noqa: E501
    ("14:10", Resolve("marco", "cleo")),
    ("14:05", Tweet("viral", "kai_travels", "@SkyHighAir you charged me a $200 change fee for a flight YOU cancelled. Unbelievable.", team="billing")),  # noqa: E501
    ("14:15", Retweets("viral", 40)),  # other customers back the complaint up: it climbs the queue
    ("14:20", Tweet("tomas-public", "tomasherrera", "@SkyHighAir your DM said my guitar was fine as cabin baggage, now the gate agent in Austin says no. Which is it?", team="customer-care")),  # noqa: E501
    ("14:25", Reopen("tomas", "ben")),
    ("14:27", Reply("tomas", "ben", "Tomás, the Austin gate team confirms it: your guitar flies in the cabin. Sorry for the mix-up.")),  # noqa: E501
    ("14:28", Reply("tomas-public", "ben", "We've just sent you a DM, Tomás: the guitar is fine in the cabin.")),  # noqa: E501
    ("14:30", Resolve("tomas-public", "ben", resolution="duplicate")),
    ("14:45", Reply("bag07", "gus", _BAG_SORRY)),
    ("15:10", Reply("grace", "gus", "Grace, we're sorry it took this long: your refund for QX7PLM was approved today.")),  # noqa: E501
    ("15:30", Reply("bag08", "gus", _BAG_SORRY)),
    ("16:00", Tweet("dana-again", "danaflies", "@SkyHighAir sent you the hotel receipt by DM. Can I also pick a window seat on SH 230 tomorrow?", answers_our_reply="dana", team="customer-care")),  # noqa: E501
    ("16:20", Reply("dana", "ann", "Receipt received, Dana. Seat 12A is yours on SH 230.")),
    ("16:25", Resolve("dana", "ann")),
    ("17:05", WhatsAppMessage("nadia", "Nadia Haddad", "33612345678", "Hi, can I change the date of my flight on booking ZT4R8W from Friday to Sunday?", team="customer-care")),  # noqa: E501
    ("18:30", InstagramComment("mia", "mia.travels", "The new lounge in Lisbon is gorgeous, thank you SkyHigh! ✈️", media="lisbon-lounge", team="engagement")),  # noqa: E501
    ("19:00", Review("tom", "Tom B.", "Two hours late, nobody explained", "Delayed two hours at Heathrow and nobody explained anything. The crew were lovely but the communication was awful.", 2, team="customer-care")),  # noqa: E501
    ("19:40", Reply("tom", "ann", "Tom, sorry for the silence at Heathrow. We've added 5,000 miles to your account.")),  # noqa: E501
    ("20:15", MessengerMessage("sofia", "Sofia Marin", "My refund for booking LM2Q9P still hasn't arrived after 3 weeks. Can you check?", team="billing")),  # noqa: E501
    ("20:50", Reply("sofia", "cleo", "Sofia, your refund left today; your bank shows it within 2 days.")),
    ("21:45", Tweet("late", "p_osei", "@SkyHighAir SH 77 to Boston delayed again, third time this month. Any news on a new departure time?", team="customer-care")),  # noqa: E501
]
# fmt: on


# --- running it ---------------------------------------------------------------------------------


class SimulatedClock:
    """``bootstrap.clock`` for the day: a settable "now"."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class MentionRecord:
    """A scripted mention and the ticket it ended on."""

    label: str
    channel: str
    external_id: str
    at: datetime
    ticket_id: str | None = None
    team: str | None = None


@dataclass
class ReplyRecord:
    """A reply an agent sent through the API."""

    label: str
    ticket_id: str
    agent: str
    at: datetime
    status: str
    external_id: str | None


@dataclass
class DayResult:
    """What happened during the day (read through the API before the stack was closed)."""

    start: datetime
    end: datetime
    mentions: dict[str, MentionRecord] = field(default_factory=dict)
    replies: list[ReplyRecord] = field(default_factory=list)
    escalations: Counter[str] = field(default_factory=Counter)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → GET /tickets/{id}
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # team → GET /reports/sla
    platform_requests: Counter[str] = field(default_factory=Counter)
    platform_statuses: dict[str, Counter[int]] = field(default_factory=dict)
    surprises: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # the progress lines, as printed
    seconds: float = 0.0

    def ticket_of(self, label: str) -> dict[str, Any]:
        """The final ticket of mention ``label``."""
        return self.tickets[self.mentions[label].ticket_id or ""]["ticket"]

    def incidents(self) -> list[dict[str, Any]]:
        """IncidentOpened notifications."""
        return [n for n in self.notifications if n.get("event") == "IncidentOpened"]


def _quiet() -> contextlib.AbstractContextManager[Any]:
    """Keep the functions' EMF metric lines off the output."""
    return contextlib.redirect_stdout(io.StringIO())


def at_time(day: datetime, hhmm: str) -> datetime:
    """``HH:MM`` on ``day`` (UTC); ``24:00`` is the next midnight."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=hours, minutes=minutes)


class DayRunner:
    """Replays a script minute by minute; see the module docstring."""

    def __init__(
        self, script: Script, *, day: datetime, start: str, end: str, out: Callable[[str], None]
    ) -> None:
        self.start, self.end = at_time(day, start), at_time(day, end)
        self.steps: dict[datetime, list[Action]] = {}
        for hhmm, action in script:
            moment = at_time(day, hhmm)
            if not self.start <= moment < self.end:
                raise ValueError(f"{hhmm} {action} is outside the day's span {start}-{end}")
            self.steps.setdefault(moment, []).append(action)
        self.day = day
        self._out = out
        self.result = DayResult(self.start, self.end)
        self.seen = Arrivals()
        self.clock = SimulatedClock(self.start)
        self._tokens: dict[str, str] = {}

    # -- setup ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """FakePlatforms, a fresh local stack wired to it, the feed queue and the simulated clock."""
        from socialdesk import bootstrap

        with fake.FakePlatforms(
            page_id=PAGE_ID,
            phone_number_id=WA_PHONE_NUMBER_ID,
            brand_x_id=BRAND_X_ID,
        ) as platforms:
            self.platforms = platforms
            self.stack = LocalStack(
                parameter_overrides={
                    "Stage": "local",
                    "XApiBaseUrl": platforms.x_base_url,
                    "MetaGraphBaseUrl": platforms.graph_base_url,
                }
            )
            original = bootstrap.clock
            bootstrap.clock = self.clock
            try:
                self._seed_outbound_credentials()
                self.gateway = LocalGateway(self.stack)
                self._feed = self._subscribe_feed()
                yield
            finally:
                bootstrap.clock = original
                self.stack.close()

    def _seed_outbound_credentials(self) -> None:
        self.stack.put_secrets(self.platforms.outbound_secrets([REVIEW_SOURCE]))

    def _subscribe_feed(self) -> str:
        """An SQS queue on the ticket-events topic for incidents and escalations (a team chat, say)."""
        return self.stack.subscribe_queue("scripted-day-feed", ["IncidentOpened", "TicketEscalated"])

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> DayResult:
        """Replay the script; the result holds everything read back through the API."""
        began = wallclock.perf_counter()
        with self.running():
            now = self.start
            while now < self.end:
                self.clock.now = now
                self._minute(now)
                now += timedelta(minutes=1)
                if now.minute == 0 or now == self.end:
                    self._hourly(now)
            self._collect()
        self.result.seconds = wallclock.perf_counter() - began
        return self.result

    def _minute(self, now: datetime) -> None:
        batch: list[Arrival] = []
        for action in self.steps.get(now, []):
            if isinstance(action, Reply | Assign | Resolve | Reopen | Retweets):
                self._arrive(now, batch)
                batch = []
                self._act(now, action)
            else:
                batch.append(action)
        self._arrive(now, batch)
        with _quiet():
            runs = self.stack.tick(now)  # the template's schedules: the escalation run
            self.stack.pump()  # its notifications leave through the tickets' stream (the outbox)

        for run in runs:
            self.result.escalations.update((run or {}).get("escalations") or {})
            if (run or {}).get("stopped_early"):
                self._surprise(now, "the escalation run stopped early")
        self._drain_feed(now)

    def _arrive(self, now: datetime, batch: list[Arrival]) -> None:
        if not batch:
            return
        for arrival in batch:
            delivery = arrival.delivery(now, self.seen)
            with _quiet():
                response = self.gateway.request("POST", delivery.path, delivery.headers, delivery.body)
            outcomes = [i.get("outcome") for i in _json(response).get("items", [])]
            if response.status != 200 or outcomes != ["stored"]:
                self._surprise(now, f"{arrival.label}: webhook answered {response.status} {outcomes}")
            self.seen.mentions[arrival.label] = (delivery.channel, delivery.external_id)
            self.result.mentions[arrival.label] = MentionRecord(
                arrival.label, delivery.channel, delivery.external_id, now
            )
        with _quiet():
            self.stack.pump()
        for arrival in batch:
            self._routed(now, arrival)
        self._drain_feed(now)

    def _routed(self, now: datetime, arrival: Arrival) -> None:
        record = self.result.mentions[arrival.label]
        path = f"/mentions/{record.channel}/{record.external_id}"
        mention = self._call("admin", "GET", path)
        record.ticket_id = _json(mention).get("ticket_id")
        if not record.ticket_id:
            self._surprise(now, f"{arrival.label}: no ticket ({mention.status})")
            return
        view = _json(self._call("admin", "GET", f"/tickets/{record.ticket_id}"))
        ticket = view.get("ticket") or {}
        record.team = ticket.get("team")
        if arrival.team and record.team != arrival.team:
            self._surprise(now, f"{arrival.label}: routed to {record.team}, expected {arrival.team}")
        ref = f"{record.channel}#{record.external_id}"
        events = view.get("events", [])
        if any(e["type"] == "TicketReopened" and e.get("details", {}).get("mention") == ref for e in events):
            who = f"{record.channel} {_customer(ticket)}"
            self._say(f"{now:%H:%M}  ↺ reopened  {record.team:<14} {who:<26} the customer answered our reply")

    def _act(self, now: datetime, action: Reply | Assign | Resolve | Reopen) -> None:
        record = self.result.mentions.get(action.label)
        if record is None or not record.ticket_id:
            self._surprise(now, f"{type(action).__name__} {action.label}: no such ticket in the script")
            return
        ticket_id = record.ticket_id
        base = f"/tickets/{ticket_id}"
        if isinstance(action, Retweets):
            self._retweets(now, action, record)
            return
        if isinstance(action, Reply):
            self._reply(now, action, ticket_id)
            return
        if isinstance(action, Assign):
            body = {k: v for k, v in {"assignee": action.assignee, "team": action.team}.items() if v}
            response = self._call(action.agent, "POST", f"{base}/assign", body)
        elif isinstance(action, Resolve):
            response = self._call(action.agent, "POST", f"{base}/resolve", {"resolution": action.resolution})
        else:
            response = self._call(action.agent, "POST", f"{base}/reopen")
            if response.status == 200:
                ticket = _json(response)
                who = f"{ticket.get('channel')} {_customer(ticket)}"
                self._say(
                    f"{now:%H:%M}  ↺ reopened  {ticket.get('team', ''):<14} {who:<26} "
                    f"by agent-{action.agent} after the customer's follow-up"
                )
        if response.status != 200:
            what = f"{type(action).__name__} {action.label}"
            self._surprise(now, f"{what}: HTTP {response.status} {response.body[:120]!r}")

    def _retweets(self, now: datetime, action: Retweets, record: MentionRecord) -> None:
        before = _json(self._call("admin", "GET", f"/tickets/{record.ticket_id}")).get("ticket") or {}
        retweets = [
            {
                "id_str": _number(f"retweet:{action.label}:{n}", 19),
                "text": f"RT @{action.label}",
                "created_at": now.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "user": {"id_str": _number(f"x-user:fan{n}", 10), "screen_name": f"fan{n}"},
                "retweeted_status": {"id_str": record.external_id},
            }
            for n in range(action.count)
        ]
        delivery = _x_delivery(
            {"for_user_id": BRAND_X_ID, "tweet_create_events": retweets}, record.external_id
        )
        with _quiet():
            response = self.gateway.request("POST", delivery.path, delivery.headers, delivery.body)
            self.stack.pump()
        outcomes = {i.get("outcome") for i in _json(response).get("items", [])}
        if response.status != 200 or outcomes != {"backup"}:
            self._surprise(now, f"retweets of {action.label}: webhook answered {response.status} {outcomes}")
        after = _json(self._call("admin", "GET", f"/tickets/{record.ticket_id}")).get("ticket") or {}
        if after.get("priority") == before.get("priority"):
            self._surprise(now, f"{action.count} retweets of {action.label} did not raise its ticket")
        record.team = after.get("team")
        self._say(
            f"{now:%H:%M}  ▲ backup    {after.get('team', ''):<14} x {record.ticket_id:<24} "
            f"{action.count} retweets: {before.get('team')} {before.get('priority')} → "
            f"{after.get('team')} {after.get('priority')}"
        )

    def _reply(self, now: datetime, action: Reply, ticket_id: str) -> None:
        key = f"{action.label}-{now:%H%M}"
        body = {"text": action.text}
        response = self._call(action.agent, "POST", f"/tickets/{ticket_id}/replies", body, key=key)
        outcome = _json(response)
        if response.status != 201 or outcome.get("status") != "sent":
            self._surprise(now, f"reply to {action.label}: HTTP {response.status} {outcome}")
        if action.double_click:
            sent_before = len(self.platforms.attempts)
            again = self._call(action.agent, "POST", f"/tickets/{ticket_id}/replies", body, key=key)
            if _json(again) != outcome or len(self.platforms.attempts) != sent_before:
                self._surprise(now, f"reply to {action.label}: a repeated click was not idempotent")
        status, external_id = str(outcome.get("status")), outcome.get("external_id")
        self.result.replies.append(
            ReplyRecord(action.label, ticket_id, action.agent, now, status, external_id)
        )
        if outcome.get("external_id"):
            self.seen.our_replies[action.label] = outcome["external_id"]

    # -- HTTP ----------------------------------------------------------------------------------
    def _token(self, who: str) -> str:
        if who not in self._tokens:
            if who == "admin":
                self._tokens[who] = mint([], "admin", "admin-zoe")
            else:
                self._tokens[who] = mint(list(AGENTS[who]), "agent", f"agent-{who}")
        return self._tokens[who]

    def _call(
        self, who: str, method: str, path: str, body: Any = None, *, key: str | None = None
    ) -> HttpResponse:
        headers = {"authorization": f"Bearer {self._token(who)}", "content-type": "application/json"}
        if key:
            headers["idempotency-key"] = key
        data = json.dumps(body).encode() if body is not None else None
        with _quiet():
            response = self.gateway.request(method, path, headers, data)
        if response.status >= 500:
            self._surprise(self.clock.now, f"{method} {path}: HTTP {response.status}")
        return response

    def _say(self, line: str) -> None:
        self.result.log.append(line)
        self._out(line)

    def _surprise(self, now: datetime, what: str) -> None:
        self.result.surprises.append(f"{now:%H:%M} {what}")

    # -- what the day shows --------------------------------------------------------------------
    def _drain_feed(self, now: datetime) -> None:
        sqs = self.stack.client("sqs")
        while True:
            batch = sqs.receive_message(QueueUrl=self._feed, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return
            for message in batch:
                event = json.loads(message["Body"])
                self.result.notifications.append(event)
                line = notable(now, event)
                if line:
                    self._say(line)
                sqs.delete_message(QueueUrl=self._feed, ReceiptHandle=message["ReceiptHandle"])

    def _hourly(self, now: datetime) -> None:
        tickets = self._scan_tickets()
        open_now = sum(1 for t in tickets if t.get("status") == "open")
        levels = " ".join(f"{name} {self.result.escalations[name]}" for name in LEVEL_NAMES)
        label = "24:00" if now.date() != self.day.date() else f"{now:%H:%M}"
        self._say(
            f"{label}  mentions {len(self.result.mentions):>3}  open tickets {open_now:>3}  "
            f"replies sent {sum(r.status == 'sent' for r in self.result.replies):>3}  "
            f"escalations {sum(self.result.escalations.values()):>3} ({levels})"
        )

    def _scan_tickets(self) -> list[dict[str, Any]]:
        from socialdesk.dal.items import from_attributes

        client = self.stack.client("dynamodb")
        kwargs: dict[str, Any] = {
            "TableName": self.stack.environment["TABLE_NAME"],
            "FilterExpression": "entity = :t",
            "ExpressionAttributeValues": {":t": {"S": "ticket"}},
        }
        found: list[dict[str, Any]] = []
        while True:
            page = client.scan(**kwargs)
            found.extend(from_attributes(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _collect(self) -> None:
        """Final tickets, the SLA report of every team that has tickets, FakePlatforms' requests."""
        for ticket_id in sorted({m.ticket_id for m in self.result.mentions.values() if m.ticket_id}):
            self.result.tickets[ticket_id] = _json(self._call("admin", "GET", f"/tickets/{ticket_id}"))
        teams = sorted({t["team"] for t in self._scan_tickets() if t.get("team") and t.get("queue_pk")})
        day = self.day.replace(hour=0, minute=0)
        period = f"from={day:%Y-%m-%dT%H:%M:%SZ}&to={day + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"
        for team in teams:
            response = self._call("admin", "GET", f"/reports/sla?team={team}&{period}")
            if response.status != 200:
                self._surprise(self.end, f"SLA report for {team}: HTTP {response.status}")
                continue
            self.result.reports[team] = response.json()
        for attempt in self.platforms.attempts:
            endpoint = endpoint_of(attempt.path)
            self.result.platform_requests[endpoint] += 1
            self.result.platform_statuses.setdefault(endpoint, Counter())[attempt.status] += 1
        self.result.surprises.extend(check_report(self.result))


def _customer(ticket: dict[str, Any]) -> str:
    customer = ticket.get("customer") or {}
    return f"@{customer['handle']}" if customer.get("handle") else str(customer.get("name") or "a customer")


def _json(response: HttpResponse) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def notable(now: datetime, event: dict[str, Any]) -> str | None:
    """One line for an incident or an escalation past the warning (warnings are only counted)."""
    if event.get("event") == "IncidentOpened":
        return f"{now:%H:%M}  ⚑ incident  {event.get('team', ''):<14} {event.get('summary')}"
    details = event.get("details") or {}
    name = str(details.get("name"))
    if event.get("event") != "TicketEscalated" or name == "warning":
        return None
    mark = {"breach": "✖ breach  ", "reassign": "↪ reassign", "manager": "▲ manager "}.get(name, name)
    who = f"{event.get('channel', '')} {event.get('ticket_id', '')}"
    deadline = str(event.get("deadline") or details.get("deadline") or "")[11:16]
    if name == "breach":
        detail = f"missed {deadline}, priority now {event.get('priority')}"
    else:
        detail = f"breached {deadline}, notify {', '.join(event.get('audience') or []) or 'nobody'}"
    return f"{now:%H:%M}  {mark}  {event.get('team', ''):<14} {who:<26} {detail}"


_ENDPOINTS = (
    (re.compile(r"^/x/2/tweets$"), "X       POST /2/tweets (reply tweet)"),
    (
        re.compile(r"^/x/2/dm_conversations/with/[^/]+/messages$"),
        "X       POST /2/dm_conversations/with/:id/messages",
    ),
    (re.compile(r"^/graph/[^/]+/[^/]+/comments$"), "Graph   POST /:comment-id/comments (Facebook)"),
    (re.compile(r"^/graph/[^/]+/[^/]+/replies$"), "Graph   POST /:comment-id/replies (Instagram)"),
    (re.compile(rf"^/graph/[^/]+/(me|{PAGE_ID})/messages$"), "Graph   POST /me/messages (Messenger)"),
    (re.compile(r"^/graph/[^/]+/[^/]+/messages$"), "Graph   POST /:phone-number-id/messages (WhatsApp)"),
    (re.compile(r"^/generic/callback$"), "Generic POST /generic/callback (review site)"),
)


def endpoint_of(path: str) -> str:
    """A FakePlatforms request path with its ids replaced by their role."""
    return next((label for pattern, label in _ENDPOINTS if pattern.match(path)), f"other   {path}")


def check_report(result: DayResult) -> list[str]:
    """The report's figures against the replies the agents made (first reply per ticket, by team)."""
    first: dict[str, datetime] = {}
    for reply in result.replies:
        if reply.status == "sent":
            first.setdefault(reply.ticket_id, reply.at)
    problems = []
    for team, report in result.reports.items():
        mine = [v["ticket"] for v in result.tickets.values() if v.get("ticket", {}).get("team") == team]
        created = {t["ticket_id"]: datetime.fromisoformat(t["created_at"]) for t in mine}
        minutes = sorted((first[i] - created[i]).total_seconds() / 60 for i in created if i in first)
        expected = {
            "tickets": len(mine),
            "answered": len(minutes),
            "first_response_p50_minutes": _percentile(minutes, 0.5),
            "first_response_p90_minutes": _percentile(minutes, 0.9),
        }
        for name, value in expected.items():
            if report.get(name) != value:
                problems.append(f"SLA report {team}: {name} {report.get(name)}, the replies made say {value}")
    return problems


def _percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))], 1)


# --- printing -----------------------------------------------------------------------------------

REPORT_COLUMNS = (
    ("team", 14),
    ("tickets", 7),
    ("answered", 8),
    ("p50 min", 7),
    ("p90 min", 7),
    ("compliance", 10),
    ("breached", 8),
    ("breaches by level", 28),
    ("waiting", 7),
)


def cell(value: str, width: int) -> str:
    """Fit ``value`` into ``width`` characters."""
    return value.ljust(width) if len(value) <= width else value[: width - 1] + "…"


def _figure(value: Any, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.0f} %" if percent else f"{value:g}" if isinstance(value, float) else str(value)


def _levels(by_level: dict[str, int]) -> str:
    names = dict(enumerate(LEVEL_NAMES, start=1))
    parts = []
    for key, count in sorted(by_level.items()):
        number = int(key.rsplit("_", 1)[-1]) if key.rsplit("_", 1)[-1].isdigit() else 0
        parts.append(f"{names.get(number, key)} {count}")
    return ", ".join(parts) or "-"


def report_rows(result: DayResult) -> list[tuple[str, ...]]:
    """One row per team: the SLA report's figures."""
    return [
        (
            team,
            str(r["tickets"]),
            str(r["answered"]),
            _figure(r["first_response_p50_minutes"]),
            _figure(r["first_response_p90_minutes"]),
            _figure(r["compliance"], percent=True),
            str(r["breached"]),
            _levels(r.get("breaches_by_level") or {}),
            str(r["still_waiting"]),
        )
        for team, r in sorted(result.reports.items())
    ]


def print_summary(result: DayResult, out: Callable[[str], None] = print) -> None:
    """The SLA report per team and what FakePlatforms received."""
    day = f"{result.start:%Y-%m-%d}"
    out(f"\nSLA report per team (GET /reports/sla with an admin token; tickets created on {day}):")
    header = "  ".join(cell(title, width) for title, width in REPORT_COLUMNS)
    out(header)
    out("-" * len(header))
    for row in report_rows(result):
        out("  ".join(cell(value, width) for value, (_, width) in zip(row, REPORT_COLUMNS, strict=True)))
    applied = ", ".join(f"{name} {result.escalations[name]}" for name in LEVEL_NAMES)
    out(f"Escalation levels applied by the scheduler: {applied}.")
    total = sum(result.platform_requests.values())
    out(f"\nFakePlatforms received {total} requests:")
    for endpoint, count in sorted(result.platform_requests.items()):
        statuses = ", ".join(f"{n} x {s}" for s, n in sorted(result.platform_statuses[endpoint].items()))
        out(f"  {count:>3}  {endpoint}  ({statuses})")
    sent = sum(r.status == "sent" for r in result.replies)
    incidents = len(result.incidents())
    out(
        f"\n{len(result.mentions)} mentions, {len(result.tickets)} tickets, {sent} replies sent, "
        f"{incidents} incident{'' if incidents == 1 else 's'}; replayed in {result.seconds:.1f} s"
    )


def run_day(
    script: Script = DAY_SCRIPT,
    *,
    day: datetime = DAY,
    start: str = "08:00",
    end: str = "24:00",
    out: Callable[[str], None] = print,
) -> DayResult:
    """Replay ``script`` from ``start`` to ``end`` (exclusive) on a fresh local stack."""
    return DayRunner(script, day=day, start=start, end=end, out=out).run()


def main(out: Callable[[str], None] = print) -> DayResult:
    """The demo's second part: the scripted day, its progress and its SLA report."""
    out(
        f"\nA scripted day on a simulated clock: {DAY:%A %Y-%m-%d} 08:00-24:00 UTC, on a fresh stack "
        "whose replies go to FakePlatforms.\nThe escalation schedule fires every simulated minute. "
        "A line per hour, and one per incident, breach, reassignment and manager alert (warnings are "
        "only counted) …"
    )
    result = run_day(out=out)
    print_summary(result, out)
    return result
