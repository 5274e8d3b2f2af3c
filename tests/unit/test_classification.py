"""Classify: intent, complaint, sentiment, language, urgency, topic, reach, tier and the "why" signals.

Every example is written by hand for these tests (no dataset rows).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from socialdesk.domain.classification import (
    REACH_HIGH,
    REACH_INFLUENCER,
    REACH_LOW,
    REACH_MEDIUM,
    Classification,
    Intent,
    classify,
    detect_language,
    lexicon_sentiment,
    literal_heads,
    reach_of,
)
from socialdesk.domain.mention import Author, Channel, Engagement, Mention, MentionKind


def mention(text: str, **fields: Any) -> Mention:
    """A customer's post to the brand on X, with ``fields`` overriding the defaults."""
    values: dict[str, Any] = {
        "channel": Channel.X,
        "external_id": "1795424400000000001",
        "kind": MentionKind.POST,
        "source": "x",
        "created_at": "2026-11-23T09:00:00Z",
        "author": Author(id="700000000000000001", handle="flyer"),
        "text": text,
    }
    values.update(fields)
    return Mention(**values)


# --- complaints -----------------------------------------------------------------------------------


def test_negated_praise_word_is_a_complaint() -> None:
    # Given a customer who negates a positive word rather than using a negative one
    result = classify(mention("@SkyHighAir I'm not happy at all, the agent was not helpful"))
    # Then the negation flips it into a complaint, and the reason says so
    assert result.is_complaint is True
    assert result.intent is Intent.COMPLAINT
    assert result.sentiment < 0
    assert result.sentiment_label == "negative"
    assert "negation+positive" in result.signals
    assert result.needs_response is True


def test_plain_negation_of_service_is_a_complaint_without_any_negative_word() -> None:
    # Given "still no" / "no one" and no sentiment word at all
    result = classify(mention("@SkyHighAir still no answer about my booking and no one calls back"))
    # Then the customer-service rules catch it
    assert result.is_complaint is True
    assert {"still waiting", "no response"} <= set(result.signals)


def test_negated_negative_word_is_not_a_complaint() -> None:
    # Given "not bad" next to a warm word
    result = classify(mention("Not bad at all, the crew was lovely"))
    # Then it reads as praise, not a complaint
    assert result.is_complaint is False
    assert result.intent is Intent.PRAISE
    assert "negation+negative" in result.signals


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for nothing @SkyHighAir, 3 hours on hold and still no refund",
        "Great job @SkyHighAir, you lost my bag again. #fail",
        "I love waiting on hold for 2 hours, great customer service",
        "Thanks a lot, flight delayed 5 hours and nobody tells us why",
    ],
)
def test_sarcastic_thanks_and_praise_around_a_failure_is_a_complaint(text: str) -> None:
    # Given thanks or praise wrapped around a service failure
    result = classify(mention(text))
    # Then it is a complaint flagged as sarcasm, with negative sentiment
    assert result.is_complaint is True
    assert result.intent is Intent.COMPLAINT
    assert result.sentiment_label == "negative"
    assert "sarcasm" in result.signals
    assert "praise" not in result.signals


def test_question_with_negative_context_is_a_complaint() -> None:
    # Given "why is my flight ...?" about a failure
    result = classify(mention("@SkyHighAir why is my flight delayed AGAIN??"))
    # Then it is a complaint, not a mere question, and says why
    assert result.intent is Intent.COMPLAINT
    assert {"negative question", "question mark", "delayed", "repeat failure"} <= set(result.signals)
    assert result.topic == "delay"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("My package still hasn't arrived, tracking shows nothing for a week", "delivery"),
        ("I was charged twice for the same order and nobody answers", "payment"),
        ("The blender arrived broken, quality is terrible", "product_quality"),
        ("I can't log in, the password reset email never arrives", "account_access"),
        ("Flight SH12 cancelled, no rebooking, no hotel. Unacceptable!", "cancellation"),
    ],
)
def test_service_failures_are_complaints_with_their_topic(text: str, topic: str) -> None:
    result = classify(mention(text))
    assert result.is_complaint is True
    assert result.topic == topic
    assert topic in result.topics


def test_review_rating_moves_the_verdict() -> None:
    # Given a neutral-sounding review with one star
    review = mention("Room was as described.", kind=MentionKind.REVIEW, channel=Channel.GENERIC, rating=1)
    # Then the rating makes it a complaint and shows up as a reason
    result = classify(review)
    assert result.is_complaint is True
    assert "rating 1" in result.signals


# --- questions, praise, chatter -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "How do I change the name on my booking?",
        "@SkyHighAir can you tell me if there is wifi on flight SH12",
        "Is there a lounge in terminal 2?",
        "Hi! How do I add a bag to my reservation",
    ],
)
def test_questions_without_a_failure_are_questions_that_need_a_reply(text: str) -> None:
    result = classify(mention(text))
    assert result.intent is Intent.QUESTION
    assert result.is_complaint is False
    assert result.needs_response is True
    assert result.sentiment_label == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "Thank you so much to the crew of SH12, amazing service! ❤️",
        "Love you guys, best airline ever 😍",
        "thanks!",
        "Kudos to the gate agent in Lisbon, great help",
    ],
)
def test_praise_needs_no_response(text: str) -> None:
    result = classify(mention(text))
    assert result.intent is Intent.PRAISE
    assert result.is_complaint is False
    assert result.sentiment_label == "positive"
    assert result.needs_response is False


def test_plain_chatter_needs_no_response() -> None:
    # Given a reply that asks for nothing and complains about nothing
    result = classify(mention("What @dhepburn said."))
    # Then it is "other" and no one has to answer it
    assert result.intent is Intent.OTHER
    assert result.needs_response is False


def test_explicit_no_reply_needed_is_neither_a_complaint_nor_a_ticket() -> None:
    # Given "no reply needed" (whose "no reply" is not a "no response" complaint)
    result = classify(mention("Just landed in Lisbon. No reply needed, just saying hi!"))
    # Then nothing is owed
    assert result.is_complaint is False
    assert result.needs_response is False
    assert "no reply needed" in result.signals


# --- spam -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "🎉 GIVEAWAY 🎉 Win a FREE iPhone! Follow + RT + tag 3 friends https://bit.ly/x #giveaway #free #win",
        "Earn $500 a day with crypto trading, DM me for details https://t.co/abc",
        "Follow for follow! #f4f #followback #teamfollowback",
        "@SkyHighAir @a @b @c @d check out my profile for cheap followers 🔥 link in bio",
    ],
)
def test_brand_spam_is_spam_and_needs_no_response(text: str) -> None:
    result = classify(mention(text))
    assert result.intent is Intent.SPAM
    assert result.is_complaint is False
    assert result.needs_response is False
    assert any(signal.startswith("spam:") for signal in result.signals)


def test_a_real_complaint_with_a_promo_word_is_not_spam() -> None:
    # Given an angry customer who mentions the promo code that failed
    result = classify(mention("Your promo code doesn't work and I was charged twice. Fix it!"))
    # Then the service failure wins over the spam phrase
    assert result.intent is Intent.COMPLAINT


# --- urgency --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Someone made unauthorized charges on my card, this is fraud", "fraud"),
        ("The emergency exit was blocked, this is unsafe", "safety"),
        ("I'm contacting my lawyer, see you in small claims court", "legal"),
        ("Your website is down again, nobody can pay", "outage"),
        ("I want to cancel my subscription today", "cancel"),
        ("My son had an allergic reaction on board and nobody helped", "health"),
        ("The agent said he would kill me if I complained again", "threat"),
        ("My personal data was leaked in your data breach", "privacy"),
    ],
)
def test_urgency_terms_are_reported_as_canonical_categories(text: str, term: str) -> None:
    result = classify(mention(text))
    assert term in result.urgency_terms
    assert f"urgency:{term}" in result.signals
    assert result.needs_response is True


def test_no_urgency_in_an_ordinary_question() -> None:
    assert classify(mention("What time does boarding start?")).urgency_terms == ()


# --- language -------------------------------------------------------------------------------------


def test_language_from_the_mention_wins_over_detection() -> None:
    # Given a platform that already tagged the language
    result = classify(mention("Mi vuelo fue cancelado y nadie me ayuda", language="pt"))
    # Then the tag is used as given
    assert result.language == "pt"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Mi vuelo fue cancelado y nadie me ayuda. ¿Qué hago?", "es"),
        ("Bonjour, mon vol est annulé et personne ne répond à mes messages", "fr"),
        ("Mein Flug wurde gestrichen und niemand antwortet auf meine Nachricht", "de"),
        ("Olá, meu voo foi cancelado e ninguém me ajuda", "pt"),
        ("Ciao, il mio volo è stato cancellato e nessuno mi risponde", "it"),
        ("Hallo, mijn vlucht is geannuleerd en niemand helpt mij", "nl"),
        ("My flight was cancelled and nobody is helping me", "en"),
    ],
)
def test_language_is_detected_when_missing_or_und(text: str, language: str) -> None:
    assert classify(mention(text)).language == language
    assert classify(mention(text, language="und")).language == language


@pytest.mark.parametrize("text", ["", "ok", "👍👍", "@SkyHighAir", "https://t.co/abc"])
def test_too_short_or_unclear_text_is_und(text: str) -> None:
    assert detect_language(text) == "und"


def test_spanish_complaint_is_caught_too() -> None:
    result = classify(mention("Mi vuelo fue cancelado y nadie me ayuda"))
    assert result.is_complaint is True
    assert result.topic == "cancellation"


# --- reach, engagement, tier ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("followers", "verified", "reach"),
    [
        (None, False, "none"),
        (0, False, "none"),
        (REACH_LOW, False, "low"),
        (REACH_MEDIUM - 1, False, "low"),
        (REACH_MEDIUM, False, "medium"),
        (REACH_HIGH, False, "high"),
        (REACH_INFLUENCER, False, "influencer"),
        (None, True, "low"),
        (REACH_MEDIUM - 1, True, "medium"),
        (REACH_HIGH, True, "influencer"),
        (REACH_INFLUENCER, True, "influencer"),
    ],
)
def test_reach_levels_and_verified_bump(followers: int | None, verified: bool, reach: str) -> None:
    assert reach_of(followers, verified) == reach
    result = classify(mention("hello", author=Author(handle="a", followers=followers, verified=verified)))
    assert (result.reach, result.followers, result.verified) == (reach, followers, verified)


def test_engagement_sums_likes_reposts_replies_quotes_with_none_as_zero() -> None:
    result = classify(mention("hello", engagement=Engagement(likes=12, reposts=3, replies=None, quotes=2)))
    assert result.engagement == 17
    assert classify(mention("hello")).engagement == 0


@pytest.mark.parametrize(
    "vip",
    [
        frozenset({"FLYER"}),
        frozenset({"@Flyer"}),
        frozenset({"700000000000000001"}),
        frozenset({"x", "flyer"}),
    ],
)
def test_vip_by_handle_or_id_case_insensitively(vip: frozenset[str]) -> None:
    assert classify(mention("hello"), vip=vip).customer_tier == "vip"


def test_standard_tier_when_not_in_the_vip_set() -> None:
    assert classify(mention("hello"), vip=frozenset({"someone_else"})).customer_tier == "standard"
    assert classify(mention("hello")).customer_tier == "standard"


# --- the model ------------------------------------------------------------------------------------


def test_classification_is_frozen_and_in_range() -> None:
    result = classify(mention("Worst. Service. Ever. 😡😡😡"))
    assert isinstance(result, Classification)
    assert -1.0 <= result.sentiment <= 1.0
    with pytest.raises(ValidationError):
        result.intent = Intent.PRAISE  # type: ignore[misc]


def test_signals_are_short_unique_reasons() -> None:
    result = classify(mention("Thanks for nothing!!! 4 hours on hold, flight cancelled, no refund. #fail"))
    assert len(result.signals) == len(set(result.signals))
    assert all(0 < len(signal) <= 40 for signal in result.signals)


def test_baseline_lexicon_alone_misses_what_the_rules_catch() -> None:
    # Given a complaint with no sentiment word at all
    text = "@SkyHighAir been on hold for 2 hours and still no answer"
    # Then the plain lexicon sees nothing, the classifier sees a complaint
    assert lexicon_sentiment(text) == 0.0
    assert classify(mention(text)).is_complaint is True


def test_literal_heads_are_a_necessary_prefix_of_every_match() -> None:
    heads = literal_heads(r"\b(?:lost|missing) (?:my )?bag|\bon hold\b|\d+ hours")
    assert heads is not None
    assert {"lost ", "missi", "on ho"} <= heads
    assert {str(digit) for digit in range(10)} <= heads
    # a pattern that can start with any word character cannot be gated
    assert literal_heads(r"\w+ing\b") is None
