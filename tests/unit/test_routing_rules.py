"""Routing rules as data: the rule engine, its validators, deadlines and the three packaged policies.

Every mention here is written by hand for these tests (no dataset rows, no ../shared). Engine tests
build the classification by hand so that each condition is tested on its own; policy tests run the
real classifier, as the Classify step does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from socialdesk.dal.config import packaged_policy
from socialdesk.domain.classification import Classification, Intent, classify
from socialdesk.domain.mention import Author, Channel, Engagement, Mention, MentionKind
from socialdesk.domain.priority import Priority
from socialdesk.domain.routing import RoutingFacts, RoutingPolicy, RuleCondition

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC (GMT in London)
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def mention(text: str, **fields: Any) -> Mention:
    """A customer's public post to the brand on X, ``fields`` overriding the defaults."""
    values: dict[str, Any] = {
        "channel": Channel.X,
        "external_id": "1795424400000000001",
        "kind": MentionKind.POST,
        "source": "x",
        "created_at": START,
        "author": Author(id="700000000000000001", handle="ann", followers=120),
        "text": text,
    }
    values.update(fields)
    return Mention(**values)


def classification(**fields: Any) -> Classification:
    """A plain complaint's classification, ``fields`` overriding it (the engine tests' input)."""
    values: dict[str, Any] = {
        "intent": Intent.COMPLAINT,
        "is_complaint": True,
        "sentiment": -0.4,
        "sentiment_label": "negative",
        "language": "en",
    }
    values.update(fields)
    return Classification(**values)


def facts(
    text: str = "my order is late",
    *,
    channel: str = "x",
    kind: str = "post",
    surge: bool = False,
    **fields: Any,
) -> RoutingFacts:
    """Routing facts with a hand-built classification."""
    return RoutingFacts(
        channel=channel,
        kind=kind,
        text_lower=text.lower(),
        classification=classification(**fields),
        surge=surge,
    )


def rule(name: str, team: str, when: dict[str, Any] | None = None, **then: Any) -> dict[str, Any]:
    return {"name": name, "when": when or {}, "then": {"team": team, **then}}


def policy(*rules: dict[str, Any], **fields: Any) -> RoutingPolicy:
    """A policy of ``rules`` followed by a catch-all to ``triage``."""
    return RoutingPolicy.model_validate(
        {"rules": [*rules, rule("default", "triage")], **fields},
    )


def routed(
    name: str, text: str, *, surge: bool = False, vip: frozenset[str] = frozenset(), **fields: Any
) -> tuple[str, str, Priority, str]:
    """(rule, team, priority, SLA) the packaged policy ``name`` picks for a hand-written mention."""
    chosen = packaged_policy(name)
    chosen = chosen.model_copy(update={"vip": chosen.vip | vip})
    one = mention(text, **fields)
    action = chosen.match(RoutingFacts.of(one, chosen.classify(one), surge=surge))
    return action.name, action.then.team, action.then.priority, action.then.sla


# ==================================================================================================
# The engine: first match wins, the catch-all
# ==================================================================================================


def test_the_first_matching_rule_wins_even_when_a_later_one_is_more_specific() -> None:
    # Given two rules that both hold for a late-order complaint, the broader one first
    rules = policy(
        rule("any-complaint", "customer-care", {"intent": ["complaint"]}),
        rule("late-orders", "orders-delivery", {"intent": ["complaint"], "phrases": ["late"]}),
    )
    # When the complaint is routed
    chosen = rules.match(facts("my order is late"))
    # Then the first rule decides, not the more specific second one
    assert chosen.name == "any-complaint"
    assert chosen.then.team == "customer-care"


def test_a_mention_no_rule_holds_for_falls_through_to_the_catch_all() -> None:
    # Given a policy whose only specific rule is about questions
    rules = policy(rule("questions", "customer-care", {"intent": ["question"]}))
    # When a complaint is routed
    chosen = rules.match(facts())
    # Then the catch-all decides
    assert chosen.name == "default"
    assert chosen.then.team == "triage"


def test_an_empty_condition_holds_for_anything() -> None:
    # Given the empty condition
    # When it is checked against very different mentions
    # Then it always holds
    assert RuleCondition().holds(facts())
    assert RuleCondition().holds(facts("thanks!", intent=Intent.PRAISE, is_complaint=False, sentiment=0.8))


def test_every_field_of_a_condition_must_hold() -> None:
    # Given a condition on intent AND topic AND channel
    condition = RuleCondition(intent=("complaint",), topic=("delivery",), channel=("x",))
    # When one of the three does not hold
    # Then the condition does not hold; with all three it does
    assert condition.holds(facts(topics=("delivery",)))
    assert not condition.holds(facts(topics=("payment",)))
    assert not condition.holds(facts(topics=("delivery",), intent=Intent.QUESTION, is_complaint=False))
    assert not condition.holds(facts(topics=("delivery",), channel="facebook"))


# ==================================================================================================
# Every condition kind, on its own
# ==================================================================================================

CONDITION_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # (id, condition, facts that satisfy it, facts that do not)
    ("channel", {"channel": ["facebook", "instagram"]}, {"channel": "instagram"}, {"channel": "x"}),
    ("kind", {"kind": ["direct_message"]}, {"kind": "direct_message"}, {"kind": "reply"}),
    (
        "intent",
        {"intent": ["question", "other"]},
        {"intent": Intent.QUESTION, "is_complaint": False},
        {"intent": Intent.COMPLAINT},
    ),
    (
        "topic matches any topic found, not only the primary one",
        {"topic": ["refund"]},
        {"topic": "delivery", "topics": ("delivery", "refund")},
        {"topic": "delivery", "topics": ("delivery",)},
    ),
    (
        "phrases: the phrase in capitals, the text in lower case",
        {"phrases": ["Lost Bag", "missing suitcase"]},
        {"text": "you lost bag number two"},
        {"text": "you lost my bag"},
    ),
    (
        "phrases: the text in capitals",
        {"phrases": ["on hold"]},
        {"text": "ON HOLD FOR TWO HOURS"},
        {"text": "holding on"},
    ),
    ("language", {"language": ["es", "pt"]}, {"language": "es"}, {"language": "en"}),
    (
        "urgency",
        {"urgency": ["fraud", "legal"]},
        {"urgency_terms": ("outage", "fraud")},
        {"urgency_terms": ()},
    ),
    ("tier", {"tier": ["vip"]}, {"customer_tier": "vip"}, {"customer_tier": "standard"}),
    (
        "sentiment_at_most is inclusive",
        {"sentiment_at_most": -0.5},
        {"sentiment": -0.5},
        {"sentiment": -0.49},
    ),
    ("sentiment_at_least is inclusive", {"sentiment_at_least": 0.3}, {"sentiment": 0.3}, {"sentiment": 0.29}),
    (
        "sentiment bounds together make a band",
        {"sentiment_at_least": -0.2, "sentiment_at_most": 0.2},
        {"sentiment": 0.0},
        {"sentiment": 0.25},
    ),
    (
        "followers_at_least is inclusive",
        {"followers_at_least": 1000},
        {"followers": 1000},
        {"followers": 999},
    ),
    ("followers_at_least counts unknown followers as 0", {"followers_at_least": 0}, {"followers": None}, {}),
    ("verified: true", {"verified": True}, {"verified": True}, {"verified": False}),
    ("verified: false", {"verified": False}, {"verified": False}, {"verified": True}),
    ("engagement_at_least is inclusive", {"engagement_at_least": 25}, {"engagement": 25}, {"engagement": 24}),
    ("surge: true", {"surge": True}, {"surge": True}, {"surge": False}),
    ("surge: false", {"surge": False}, {"surge": False}, {"surge": True}),
    ("needs_response: false", {"needs_response": False}, {"needs_response": False}, {"needs_response": True}),
]


@pytest.mark.parametrize(
    ("condition", "matching", "other"),
    [pytest.param(c, m, o, id=i) for i, c, m, o in CONDITION_CASES],
)
def test_each_condition_kind_holds_exactly_when_its_fact_does(
    condition: dict[str, Any], matching: dict[str, Any], other: dict[str, Any]
) -> None:
    # Given a condition on one fact
    when = RuleCondition.model_validate(condition)
    # When it is checked against a mention with that fact, and one without it
    # Then it holds for the first only
    assert when.holds(facts(**matching))
    if other:
        assert not when.holds(facts(**other))


@pytest.mark.parametrize(
    ("reach", "holds"),
    [("none", False), ("low", False), ("medium", True), ("high", True), ("influencer", True)],
)
def test_reach_at_least_follows_the_reach_ladder(reach: str, holds: bool) -> None:
    # Given a condition on "at least medium" reach
    when = RuleCondition(reach_at_least="medium")
    # When it is checked at each rung of none < low < medium < high < influencer
    # Then it holds from medium upwards
    assert when.holds(facts(reach=reach)) is holds


def test_reach_is_derived_from_followers_and_verification_by_the_classifier() -> None:
    # Given an account with 2,000 followers, once unverified and once verified
    when = RuleCondition(reach_at_least="high")
    plain = mention("@ShopCo my parcel never arrived", author=Author(handle="ann", followers=2000))
    verified = mention(
        "@ShopCo my parcel never arrived", author=Author(handle="ann", followers=2000, verified=True)
    )
    # When they are classified and checked against "at least high"
    # Then only the verified one (bumped one rung up) reaches it
    assert not when.holds(RoutingFacts.of(plain, classify(plain)))
    assert when.holds(RoutingFacts.of(verified, classify(verified)))


def test_a_misspelt_condition_field_is_rejected_rather_than_ignored() -> None:
    # Given a rule whose condition says "topics" instead of "topic"
    # When the policy is loaded
    # Then it is rejected (a typo would otherwise silently match everything)
    with pytest.raises(ValidationError):
        policy(rule("typo", "billing", {"topics": ["payment"]}))


def test_an_unknown_reach_level_is_rejected() -> None:
    with pytest.raises(ValidationError):
        RuleCondition.model_validate({"reach_at_least": "celebrity"})


# ==================================================================================================
# Policy validators
# ==================================================================================================


def test_rule_names_must_be_unique() -> None:
    # Given two rules with the same name
    # When the policy is loaded
    # Then it is rejected
    with pytest.raises(ValidationError, match="unique"):
        policy(
            rule("complaint", "a", {"intent": ["complaint"]}),
            rule("complaint", "b", {"intent": ["question"]}),
        )


def test_the_last_rule_must_be_a_catch_all() -> None:
    # Given a policy whose last rule has a condition
    document = {"rules": [rule("complaint", "customer-care", {"intent": ["complaint"]})]}
    # When it is loaded
    # Then it is rejected: some mention would match no rule
    with pytest.raises(ValidationError, match="catch-all"):
        RoutingPolicy.model_validate(document)


def test_a_policy_needs_at_least_one_rule() -> None:
    with pytest.raises(ValidationError):
        RoutingPolicy.model_validate({"rules": []})


def test_a_rule_naming_an_undefined_sla_policy_is_rejected() -> None:
    # Given a rule that names an SLA policy the policy does not define
    # When the policy is loaded
    # Then it is rejected, naming the missing SLA policy
    with pytest.raises(ValidationError, match="express"):
        policy(rule("vip", "priority-care", {"tier": ["vip"]}, sla="express"))


def test_a_rule_without_an_sla_uses_standard_which_must_then_exist() -> None:
    # Given SLA policies that do not include "standard", and a rule that names no SLA
    slas = {"public-social": {"urgent": 15, "high": 30, "normal": 60, "low": 240}}
    # When the policy is loaded
    # Then it is rejected: the rule's implicit "standard" is undefined
    with pytest.raises(ValidationError, match="standard"):
        RoutingPolicy.model_validate({"rules": [rule("default", "triage")], "sla": slas})


def test_a_policy_sets_classification_thresholds_as_data() -> None:
    # Given a policy document that asks for a complaint probability of 0.45
    loaded = policy(classification={"thresholds": {"complaint": 0.45}})
    # Then it carries that threshold, and names it leaves out keep the model's
    assert loaded.classification.thresholds.complaint == 0.45
    assert loaded.classification.thresholds.topic is None
    assert policy().classification.thresholds.complaint is None


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"complain": 0.45}, r"classification\.thresholds\.complain\n  Extra inputs are not permitted"),
        ({"complaint": 1.5}, r"classification\.thresholds\.complaint\n  Input should be less than 1"),
        ({"topic": 0}, r"classification\.thresholds\.topic\n  Input should be greater than 0"),
    ],
)
def test_bad_classification_thresholds_are_rejected_naming_the_field(
    thresholds: dict[str, Any], message: str
) -> None:
    # Given an unknown threshold name or one out of range
    # When the policy is loaded
    # Then it is rejected, the error naming where and why
    with pytest.raises(ValidationError, match=message):
        policy(classification={"thresholds": thresholds})


def test_a_stored_policy_with_the_former_no_reply_field_still_loads() -> None:
    # Given a policy stored before the classification section, with top-level no_reply_at_least
    # When it is loaded
    # Then its value is the no-reply threshold; a conflicting pair is rejected
    assert policy(no_reply_at_least=0.9).classification.thresholds.no_reply == 0.9
    assert policy(no_reply_at_least=None).classification.thresholds.no_reply is None
    with pytest.raises(ValidationError, match="disagree"):
        policy(no_reply_at_least=0.9, classification={"thresholds": {"no_reply": 0.7}})


def test_team_names_are_queue_keys() -> None:
    # Given a team name with spaces and capitals
    # When the policy is loaded
    # Then it is rejected (team names key the queues: lower case, digits, "-" and "_")
    with pytest.raises(ValidationError):
        policy(rule("care", "Customer Care", {"intent": ["complaint"]}))


# ==================================================================================================
# Deadlines per priority
# ==================================================================================================


@pytest.mark.parametrize(
    ("priority", "minutes"),
    [(Priority.URGENT, 10), (Priority.HIGH, 45), (Priority.NORMAL, 180), (Priority.LOW, 900)],
)
def test_the_first_response_deadline_is_the_target_for_the_priority(priority: Priority, minutes: int) -> None:
    # Given an SLA policy with one target per priority, on the 24/7 clock
    rules = policy(sla={"standard": {"urgent": 10, "high": 45, "normal": 180, "low": 900}})
    # When a ticket of that priority starts its clock
    due = rules.deadline("standard", priority, START)
    # Then the first response is due that many minutes later
    assert due == START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("priority", "minutes"),
    [(Priority.URGENT, 15), (Priority.HIGH, 30), (Priority.NORMAL, 60), (Priority.LOW, 240)],
)
def test_the_airline_answers_public_posts_round_the_clock(priority: Priority, minutes: int) -> None:
    # Given the airline policy's public-social SLA
    airline = packaged_policy("airline")
    # When a public post arrives at 03:00 on a Sunday
    night = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    # Then the clock runs through the night
    assert airline.deadline("public-social", priority, night) == night + timedelta(minutes=minutes)


def test_the_airline_gives_private_messages_more_time_than_public_posts() -> None:
    airline = packaged_policy("airline")
    for priority in Priority:
        assert airline.deadline("private-message", priority, START) >= airline.deadline(
            "public-social", priority, START
        )


def test_the_retailer_clock_stops_outside_care_hours_but_fraud_is_answered_at_night() -> None:
    # Given the retailer policy: social care works 08:00-22:00 London time on weekdays
    retailer = packaged_policy("retailer")
    late_monday = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 23:00 in London (GMT)
    # When a normal-priority post arrives at 23:00 on a Monday
    due = retailer.deadline("public-social", Priority.NORMAL, late_monday)
    # Then its two hours start at Tuesday's opening, 08:00
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    # And the round-the-clock SLA the fraud rule uses does not wait for the morning
    urgent = retailer.deadline("around-the-clock", Priority.URGENT, late_monday)
    assert urgent == late_monday + timedelta(minutes=15)


# ==================================================================================================
# The packaged policies: default, airline, retailer
# ==================================================================================================


class _TemplateLoader(yaml.SafeLoader):
    """Reads template.yaml, whose CloudFormation tags (!Ref, !Sub, ...) are not YAML types."""


_TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_every_seed_the_template_allows_is_a_packaged_policy_that_loads() -> None:
    # Given the RoutingPolicySeed parameter of the template
    with TEMPLATE.open(encoding="utf-8") as handle:
        parameter = yaml.load(handle, Loader=_TemplateLoader)["Parameters"]["RoutingPolicySeed"]  # noqa: S506
    # When each allowed value is loaded as a packaged policy
    seeds = parameter["AllowedValues"]
    # Then all of them load, and the default is one of them
    assert set(seeds) == {"default", "airline", "retailer"}
    assert parameter["Default"] in seeds
    for seed in seeds:
        assert packaged_policy(seed).rules[-1].when == RuleCondition()


@pytest.mark.parametrize("name", ["default", "airline", "retailer"])
def test_a_packaged_policy_sends_triage_and_engagement_to_its_named_queues(name: str) -> None:
    # Given a packaged policy
    loaded = packaged_policy(name)
    # When its rules' teams are listed
    teams = {r.then.team for r in loaded.rules}
    # Then the catch-all is the triage queue, praise has an engagement queue, and risk a team
    assert loaded.rules[-1].then.team == loaded.triage_team
    assert loaded.engagement_team in teams
    assert loaded.safety_net is not None
    assert loaded.safety_net.then.team == "trust-safety"


LOST_BAG = "@brand you lost my bag on flight 212 and nobody at the desk can tell me where it is"
LATE_PARCEL = "@brand my parcel is a week late and the tracking hasn't moved since Monday"
FRAUD = "@brand someone made unauthorized charges on my card through your site"
PRAISE = "@brand thank you, love it, you made my week!"
QUESTION = "@brand what time does your help desk open on Sunday?"

EXPECTED = {
    # scenario: {policy: team}. The default policy has no specialist teams; an airline has no
    # parcels, so a late one is just "late" (the delay topic) and reaches disruptions.
    "lost-bag complaint": (
        LOST_BAG,
        {"default": "customer-care", "airline": "baggage", "retailer": "customer-care"},
    ),
    "late parcel": (
        LATE_PARCEL,
        {"default": "customer-care", "airline": "disruptions", "retailer": "orders-delivery"},
    ),
    "fraud report": (
        FRAUD,
        {"default": "trust-safety", "airline": "trust-safety", "retailer": "trust-safety"},
    ),
    "praise": (PRAISE, {"default": "engagement", "airline": "engagement", "retailer": "engagement"}),
    "plain question": (
        QUESTION,
        {"default": "customer-care", "airline": "customer-care", "retailer": "customer-care"},
    ),
}


@pytest.mark.parametrize(
    ("text", "name", "team"),
    [
        pytest.param(text, name, team, id=f"{scenario} → {name}")
        for scenario, (text, teams) in EXPECTED.items()
        for name, team in teams.items()
    ],
)
def test_each_packaged_policy_sends_the_common_cases_to_the_expected_team(
    text: str, name: str, team: str
) -> None:
    # Given a packaged policy and a hand-written mention
    # When the mention is classified and routed
    _, chosen, _, _ = routed(name, text)
    # Then it reaches the team that policy names for it
    assert chosen == team


def test_the_plain_question_is_not_spam() -> None:
    assert classify(mention(QUESTION)).intent is Intent.QUESTION


@pytest.mark.parametrize("name", ["default", "airline", "retailer"])
def test_a_fraud_report_is_urgent_in_every_policy(name: str) -> None:
    _, _, priority, _ = routed(name, FRAUD)
    assert priority is Priority.URGENT


# --- airline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule_name", "team", "priority"),
    [
        (
            "@SkyHighAir my suitcase arrived with a broken wheel and a torn handle",
            "damaged-baggage",
            "baggage",
            "normal",
        ),
        (
            "@SkyHighAir flight 88 cancelled, no rebooking, I'm stranded in Denver",
            "stranded",
            "disruptions",
            "high",
        ),
        (
            "@SkyHighAir flight 88 delayed three hours, still at the gate",
            "disruptions",
            "disruptions",
            "normal",
        ),
        (
            "@SkyHighAir I need to change my booking, the website keeps giving an error",
            "reservations",
            "reservations",
            "normal",
        ),
        (
            "@SkyHighAir the flight attendant in row 12 was so rude to my mother",
            "crew-and-staff-conduct",
            "inflight",
            "normal",
        ),
        ("@SkyHighAir the wifi didn't work for the whole flight", "onboard-product", "inflight", "normal"),
        (
            "@SkyHighAir on hold for two hours and then they hung up on me",
            "contact-center-failure",
            "customer-care",
            "normal",
        ),
        (
            "@SkyHighAir there was smoke in the cabin and nobody told us anything",
            "safety-net",
            "trust-safety",
            "urgent",
        ),
        ("@SkyHighAir can I bring a stroller on board?", "baggage", "baggage", "normal"),
    ],
)
def test_the_airline_policy_routes_by_what_the_customer_writes_about(
    text: str, rule_name: str, team: str, priority: str
) -> None:
    # Given the airline policy
    # When a hand-written post is routed
    name, chosen, chosen_priority, sla = routed("airline", text)
    # Then the rule, team and priority are the ones the policy's comments promise
    assert (name, chosen, chosen_priority.value) == (rule_name, team, priority)
    assert sla == "public-social"


def test_airline_a_complaint_in_a_surge_goes_to_the_crisis_team_but_safety_still_comes_first() -> None:
    # Given two complaints during a surge of similar ones
    # When they are routed with surge on
    _, delay_team, delay_priority, _ = routed("airline", "@SkyHighAir flight 88 delayed again", surge=True)
    _, smoke_team, _, _ = routed("airline", "@SkyHighAir smoke in the cabin on flight 88", surge=True)
    # Then the delay joins the incident, while the safety report stays with trust-safety
    assert (delay_team, delay_priority) == ("crisis", Priority.HIGH)
    assert smoke_team == "trust-safety"


def test_airline_a_vip_goes_to_the_loyalty_desk_and_a_big_account_to_social_care() -> None:
    # Given the same lost-bag complaint from a listed VIP and from an account with 50,000 followers
    _, vip_team, vip_priority, _ = routed("airline", LOST_BAG, vip=frozenset({"@Ann"}))
    big = Author(handle="bigname", followers=50_000)
    name, big_team, big_priority, _ = routed("airline", LOST_BAG, author=big)
    # When they are routed
    # Then the VIP reaches loyalty and the large account social care, both at high priority
    assert (vip_team, vip_priority) == ("loyalty", Priority.HIGH)
    assert (name, big_team, big_priority) == ("amplified-by-reach", "customer-care", Priority.HIGH)


def test_airline_a_widely_shared_complaint_is_amplified() -> None:
    text = "@SkyHighAir the gate changed three times and nobody told us"
    name, team, priority, _ = routed("airline", text, engagement=Engagement(likes=30, reposts=12))
    assert (name, team, priority) == ("amplified-by-engagement", "customer-care", Priority.HIGH)


def test_airline_a_direct_message_about_a_bag_runs_on_the_private_message_clock() -> None:
    text = "Hi, my bag tag is 0016123456, it still hasn't been delivered"
    name, team, _, sla = routed("airline", text, kind=MentionKind.DIRECT_MESSAGE)
    assert (name, team, sla) == ("dm-baggage", "baggage", "private-message")


def test_airline_praise_that_mentions_safety_still_reaches_a_person() -> None:
    # Given praise that happens to mention safety
    text = "@SkyHighAir loved the safety video on flight 12, best crew ever!"
    # When it is routed
    name, team, priority, _ = routed("airline", text)
    # Then the safety net wins over the model's "praise": a person glances at it (the price of never
    # letting a real safety report reach the no-reply queue)
    assert (name, team, priority) == ("safety-net", "trust-safety", Priority.URGENT)


@pytest.mark.parametrize(
    ("praise", "needs_response", "team"),
    [(0.9, False, "engagement"), (0.55, True, "triage")],
)
def test_airline_praise_reaches_engagement_only_when_the_model_is_sure_of_it(
    praise: float, needs_response: bool, team: str
) -> None:
    # Given a tweet the model reads as praise, sure of it or not ("thanks for nothing" scores as weak
    # praise)
    read = classification(
        intent=Intent.PRAISE,
        is_complaint=False,
        sentiment=0.3,
        sentiment_label="positive",
        needs_response=needs_response,
        probabilities={"praise": praise, "complaint": 0.9 - praise, "question": 0.05, "other": 0.05},
    )
    # When the airline policy routes it
    action = packaged_policy("airline").match(
        RoutingFacts(channel="x", kind="post", text_lower="thanks for nothing", classification=read)
    )
    # Then only sure praise goes to the no-reply engagement queue; weak praise reaches a person
    assert action.then.team == team


# --- retailer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule_name", "team", "priority"),
    [
        ("@ShopCo you charged me twice for the same order", "double-billing", "payments", "high"),
        (
            "@ShopCo I returned the jacket three weeks ago and still no refund",
            "returns-refunds",
            "returns-refunds",
            "normal",
        ),
        (
            "@ShopCo I can't log in, the password reset email never comes",
            "account-access",
            "account-access",
            "normal",
        ),
        ("@ShopCo where is my order? It never arrived", "missing-parcel", "orders-delivery", "high"),
        (
            "@ShopCo my package arrived damaged, box crushed",
            "damaged-in-transit",
            "orders-delivery",
            "normal",
        ),
        (
            "@ShopCo the blender stopped working after two days, really poor quality",
            "product-quality",
            "product-quality",
            "normal",
        ),
        ("@ShopCo can you ship my order to Canada?", "orders-delivery", "orders-delivery", "normal"),
        (
            "@ShopCo I'm going to cancel my membership, never ordering from you again",
            "churn-risk",
            "customer-care",
            "high",
        ),
        (
            "@ShopCo I got a phishing email pretending to be you",
            "safety-net",
            "trust-safety",
            "urgent",
        ),
        (
            "@ShopCo the charger caught fire, this is dangerous",
            "safety-net",
            "trust-safety",
            "urgent",
        ),
        ("@ShopCo the website is down, checkout not working", "site-outage", "crisis", "high"),
        ("@ShopCo mi pedido no ha llegado todavía", "orders-delivery", "orders-delivery", "normal"),
        ("@ShopCo mi dispiace, ma non capisco il vostro sito", "other-language", "customer-care", "normal"),
    ],
)
def test_the_retailer_policy_routes_by_what_the_customer_writes_about(
    text: str, rule_name: str, team: str, priority: str
) -> None:
    name, chosen, chosen_priority, _ = routed("retailer", text)
    assert (name, chosen, chosen_priority.value) == (rule_name, team, priority)


def test_retailer_an_influencer_goes_to_the_vip_desk_and_a_verified_account_to_social_care() -> None:
    # Given the same late-parcel complaint from an influencer and from a small verified account
    influencer = Author(handle="stylequeen", followers=80_000)
    verified = Author(handle="reporter", followers=500, verified=True)
    # When they are routed
    influencer_rule, influencer_team, _, _ = routed("retailer", LATE_PARCEL, author=influencer)
    verified_rule, verified_team, priority, _ = routed("retailer", LATE_PARCEL, author=verified)
    # Then the influencer reaches vip-care and the verified account senior social care
    assert (influencer_rule, influencer_team) == ("influencer-complaint", "vip-care")
    assert (verified_rule, verified_team, priority) == ("verified-complaint", "customer-care", Priority.HIGH)


def test_retailer_a_direct_message_about_a_refund_runs_on_the_private_message_clock() -> None:
    name, team, _, sla = routed(
        "retailer",
        "Hi, order 4471: when will my refund arrive?",
        channel=Channel.MESSENGER,
        kind=MentionKind.DIRECT_MESSAGE,
    )
    assert (name, team, sla) == ("dm-returns-refunds", "returns-refunds", "private-message")


def test_retailer_fraud_beats_double_billing_and_runs_on_the_round_the_clock_sla() -> None:
    # Given a report of charges the customer never made, which also looks like double billing
    text = "@ShopCo two charges on my card I didn't make, unauthorized, please block it"
    # When it is routed
    name, team, priority, sla = routed("retailer", text)
    # Then fraud wins (it comes first) and its clock runs at night too
    assert (name, team, priority, sla) == (
        "safety-net",
        "trust-safety",
        Priority.URGENT,
        "around-the-clock",
    )


def test_phrases_match_whatever_the_case_of_the_text_and_of_the_phrase() -> None:
    # Given a post written in capitals and a rule whose phrase is in title case
    shouted = mention("@SkyHighAir ON HOLD FOR TWO HOURS AGAIN")
    when = RuleCondition(phrases=("On Hold",))
    # When the facts are taken from the mention as the Assign step takes them
    # Then the phrase matches
    assert when.holds(RoutingFacts.of(shouted, classification()))


def test_airline_a_passenger_without_their_wheelchair_gets_special_assistance() -> None:
    text = "@SkyHighAir my father's wheelchair was not at the gate and he needs his medication"
    name, team, priority, _ = routed("airline", text)
    assert (name, team, priority) == ("special-assistance", "customer-care", Priority.HIGH)


def test_retailer_thanks_for_a_refund_is_engagement_not_a_refund_case() -> None:
    # Given praise that mentions a refund and a parcel
    text = "@ShopCo thank you so much, the refund came through and the new parcel arrived, love it!"
    # When it is routed
    _, team, priority, sla = routed("retailer", text)
    # Then it goes to the engagement queue (the team rules are for complaints, questions and other)
    assert (team, priority, sla) == ("engagement", Priority.LOW, "engagement")


@pytest.mark.parametrize("name", ["default", "airline", "retailer"])
@pytest.mark.parametrize(
    "text",
    [
        # "what I bought on Amazon has not arrived. The worst": its Latin words read as praise
        "@ShopCo Amazonで買ったものが届かない。最悪 https://t.co/k2Pq9Xw",
        "@ShopCo شكرا على الخدمة الرائعة great service https://t.co/k2Pq9Xw",
        "@ShopCo 注文した商品が二週間たっても届きません",
    ],
)
def test_a_language_the_model_does_not_read_reaches_a_person_whatever_intent_it_guesses(
    name: str, text: str
) -> None:
    # Given a packaged policy and a message in Japanese or Arabic (the model reads neither)
    chosen = packaged_policy(name)
    one = mention(text)
    # When it is routed
    action = chosen.match(RoutingFacts.of(one, chosen.classify(one)))
    # Then a person who can have it translated sees it, never the no-reply engagement queue
    assert action.then.team != chosen.engagement_team
    assert (action.name, "translate" in action.then.tags) == ("language-we-do-not-read", True)
