"""Classification: the packaged routing model, the safety net and language data, reach and tier.

Every text here is written by hand for these tests and none is in the training data (training/seed,
the datasets). Model tests state what a support lead expects of the shipped model; a retrained model
that stops doing it fails them. Trainer tests fit tiny models in-process, so they check the fitting
code itself, not the shipped weights.
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
    Thresholds,
    classify,
    decision_thresholds,
    detect_language,
    find_urgency,
    reach_of,
)
from socialdesk.domain.mention import Author, Channel, Engagement, Mention, MentionKind
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.runtime import packaged_model, packaged_model_name, use_model_source
from socialdesk.learning.trainer import Example, TrainingConfig, train

MAX_MODEL_BYTES = 5_000_000


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


# --- the shipped model: complaints the hand-written rules got wrong ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@AcmeApp is the app down for anyone else?? it just spins",
        "@BurgerBarn you guys call this chicken? it was grey inside",
        "@NetCo no wifi on the train again 😡 #worstservice",
        "@ShopCo three weeks and my order still hasn't shipped, nobody replies to my emails",
        "@BankCo why was I charged a late fee when I paid on time??",
    ],
)
def test_complaints_phrased_as_questions_or_with_negation_are_complaints(text: str) -> None:
    # Given a complaint the old rules read as a question or as praise
    result = classify(mention(text))
    # Then the model calls it a complaint, with a probability behind it, and a human answers it
    assert result.intent is Intent.COMPLAINT
    assert result.is_complaint is True
    assert result.probabilities["complaint"] >= 0.5
    assert result.needs_response is True
    assert result.sentiment_label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "@PhoneCo the new phone's camera quality is superb, well done",
        "@CoffeeCo thank you for the free refill this morning, you made my day!",
    ],
)
def test_praise_that_mentions_a_topic_word_is_not_a_complaint(text: str) -> None:
    result = classify(mention(text))
    assert result.is_complaint is False
    assert result.intent is Intent.PRAISE
    assert result.sentiment_label == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "@ShopCo do you deliver on Saturdays?",
        "@ShopCo is there a student discount on laptops?",
        "@BankCo what are your branch opening hours over the holidays?",
    ],
)
def test_plain_questions_are_questions_that_need_a_reply(text: str) -> None:
    result = classify(mention(text))
    assert result.intent is Intent.QUESTION
    assert result.needs_response is True


def test_confident_praise_needs_no_reply_and_brand_spam_is_spam() -> None:
    praise = classify(mention("@CoffeeCo love you guys, best latte in town, thank you!"))
    spam = classify(mention("Claim your free gift card now!!! click the link in my bio #giveaway #free #win"))
    assert (praise.intent, praise.needs_response) == (Intent.PRAISE, False)
    assert praise.probabilities["praise"] >= 0.8
    assert (spam.intent, spam.needs_response) == (Intent.SPAM, False)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("@TiendaCo el pedido llegó incompleto y el servicio al cliente no contesta", "es"),
        ("@BoutiqueCo ma commande n'est jamais arrivée et personne ne me répond", "fr"),
        ("@ShopDE meine Bestellung ist nie angekommen und niemand antwortet mir", "de"),
        ("@LojaCo minha encomenda nunca chegou e ninguém me responde", "pt"),
        ("@NegozioCo il mio pacco non è mai arrivato e nessuno mi risponde", "it"),
    ],
)
def test_complaints_in_the_five_european_languages_are_recognised(text: str, language: str) -> None:
    result = classify(mention(text))
    assert result.language == language
    assert result.is_complaint is True
    assert result.needs_response is True


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("@ShopCo لم يصل طلبي منذ أسبوعين ولا أحد يرد", "ar"),
        ("@ShopCo 注文した商品が二週間たっても届きません", "ja"),
    ],
)
def test_arabic_and_japanese_are_tagged_and_always_need_a_human(text: str, language: str) -> None:
    # Given a message in a script the model was not trained to read
    result = classify(mention(text))
    # Then it carries its language, is marked not understood, and needs a reply
    assert result.language == language
    assert result.understood is False
    assert result.needs_response is True
    assert f"language:{language}" in result.signals


def test_a_review_rating_moves_the_probabilities() -> None:
    text = "Delivery was fine. The product is what it is."
    plain = classify(mention(text, kind=MentionKind.REVIEW))
    one_star = classify(mention(text, kind=MentionKind.REVIEW, rating=1))
    five_star = classify(mention(text, kind=MentionKind.REVIEW, rating=5))
    assert one_star.probabilities["complaint"] > plain.probabilities["complaint"]
    assert five_star.probabilities["praise"] > plain.probabilities["praise"]
    assert "rating 1" in one_star.signals


# --- the safety net: data, in every supported language --------------------------------------------

RISK_MESSAGES = [
    # (text, the category that must be found)
    ("@RideCo my driver grabbed me and would not let me out of the car", "violence"),
    ("@RideCo el conductor me agredió cuando intenté bajarme", "violence"),
    ("@HomeCo the heater you installed caught fire last night, we got out just in time", "safety"),
    ("@HomeCo die Steckdose brennt und riecht nach Rauch, das ist gefährlich", "safety"),
    ("@BanqueCo quelqu'un a utilisé ma carte, il y a des paiements que je n'ai pas faits", "fraud"),
    ("@BancoCo clonaram meu cartão e fizeram compras que eu não fiz", "fraud"),
    ("@ShopCo someone hacked my account and ordered a laptop", "fraud"),
    ("@ShopCo don't sell my personal info, I'm reporting you to the BBB", "legal"),
    ("@TelcoIT ho già contattato un avvocato, vi faccio causa", "legal"),
    ("@AppCo you leaked my personal data to a third party, this is a GDPR violation", "privacy"),
    ("@AppCo han filtrado mis datos personales", "privacy"),
    ("@StoreCo if this happens again I will bring a gun", "threat"),
]


@pytest.mark.parametrize(("text", "category"), RISK_MESSAGES)
def test_risk_language_trips_the_safety_net_whatever_the_model_says(text: str, category: str) -> None:
    # Given a realistic safety, violence, fraud, legal, privacy or threat message
    result = classify(mention(text))
    # Then its category is found, it needs a human, and it is never spam (spam is closed unseen)
    assert category in result.urgency_terms
    assert category in result.safety_net
    assert result.needs_response is True
    assert result.intent is not Intent.SPAM


def test_risk_language_in_praise_or_spam_shape_still_needs_a_human() -> None:
    praise = classify(
        mention("@ShopCo thanks, I appreciate it, but I'm still reporting this fraud to my lawyer")
    )
    spam = classify(mention("FREE followers!!! click link in bio #giveaway #free #win, I will kill you"))
    assert praise.needs_response is True and praise.safety_net
    assert spam.intent is not Intent.SPAM and spam.needs_response is True


@pytest.mark.parametrize(
    "text",
    [
        "@ShopCo what time does your store open on Sunday?",
        "@BrandCo my brand new shoes arrived, thanks",
        "@Diner the food court was packed today",
    ],
)
def test_ordinary_messages_trip_no_safety_net(text: str) -> None:
    assert set(find_urgency(text)) & {"safety", "violence", "threat", "fraud", "legal", "privacy"} == set()


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


# --- the model file and the trainer ---------------------------------------------------------------


def test_the_packaged_model_is_the_named_versioned_file_within_budget() -> None:
    from importlib import resources

    name = packaged_model_name()
    data = resources.files("socialdesk.models").joinpath(name).read_bytes()
    model = packaged_model()
    assert name == f"{model.version}.json.gz"
    assert len(data) <= MAX_MODEL_BYTES
    assert set(model.intents) == {i.value for i in Intent}
    assert 0 < model.thresholds["complaint"] < 1


def test_probabilities_are_calibrated_per_intent_and_recorded_with_the_version() -> None:
    result = classify(mention("@ShopCo the parcel came damaged and the box was soaked"))
    assert set(result.probabilities) == {i.value for i in Intent}
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.model_version == packaged_model().version
    assert f"model:{result.model_version}" in result.signals


#: a parcel that has not come yet, said mildly: the model gives it a middling complaint probability
BORDERLINE = "@ShopCo hmm, my parcel hasn't shown up yet"


def test_a_policy_threshold_decides_a_message_between_two_thresholds() -> None:
    # Given a message whose complaint probability lies between two policies' thresholds
    p = classify(mention(BORDERLINE)).probability("complaint")
    assert 0.1 < p < 0.9, p
    below, above = Thresholds(complaint=round(p / 2, 3)), Thresholds(complaint=round((1 + p) / 2, 3))
    # When each policy's thresholds classify it
    lenient = classify(mention(BORDERLINE), thresholds=below)
    strict = classify(mention(BORDERLINE), thresholds=above)
    # Then the lower threshold makes it a complaint and the higher does not; the scores are the same
    assert lenient.intent is Intent.COMPLAINT and lenient.is_complaint
    assert strict.intent is not Intent.COMPLAINT and not strict.is_complaint
    assert lenient.probabilities == strict.probabilities


def test_policy_thresholds_replace_only_the_model_thresholds_they_name() -> None:
    model = packaged_model()
    merged = decision_thresholds(model, Thresholds(complaint=0.45))
    assert merged["complaint"] == 0.45
    assert {k: v for k, v in merged.items() if k != "complaint"} == {
        k: v for k, v in decision_thresholds(model).items() if k != "complaint"
    }
    assert decision_thresholds(model)["complaint"] == model.thresholds["complaint"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"complain": 0.4}, "complain"),  # a typo: refused, not ignored
        ({"rating_odds": 3.0}, "rating_odds"),  # the model's, not a policy probability
        ({"complaint": 1.2}, "less than 1"),
        ({"complaint": 0}, "greater than 0"),
        ({"topic": 1}, "less than 1"),
        ({"no_reply": -0.1}, "greater than 0"),
        ({"no_reply": 1.5}, "less than or equal to 1"),
    ],
)
def test_bad_thresholds_are_refused_with_the_name_and_the_range(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Thresholds.model_validate(document)


def test_classification_is_frozen_and_in_range() -> None:
    result = classify(mention("Worst. Service. Ever. 😡😡😡"))
    assert isinstance(result, Classification)
    assert -1.0 <= result.sentiment <= 1.0
    with pytest.raises(ValidationError):
        result.intent = Intent.PRAISE  # type: ignore[misc]


TINY = [
    Example("my order never arrived and nobody answers", "complaint", ("delivery",)),
    Example("the parcel is late again, terrible", "complaint", ("delivery",)),
    Example("charged twice, awful service", "complaint", ("payment",)),
    Example("what time do you open", "question", ()),
    Example("do you ship to canada", "question", ("delivery",)),
    Example("thank you so much, love it", "praise", ()),
    Example("great service, thanks", "praise", ()),
    Example("win free followers click link", "spam", ()),
    Example("good morning to everyone here", "other", ()),
]
TINY_CONFIG = TrainingConfig(epochs=30, learning_rate=0.5, min_count_words=1, min_count_chars=1)


def test_the_trainer_is_deterministic_byte_for_byte() -> None:
    first = train(TINY, topics=("delivery", "payment"), version="tiny-1", config=TINY_CONFIG)
    second = train(list(reversed(TINY)), topics=("delivery", "payment"), version="tiny-1", config=TINY_CONFIG)
    assert first.to_bytes() == second.to_bytes()


def test_a_trained_model_learns_its_examples_and_round_trips_through_its_file() -> None:
    model = train(TINY, topics=("delivery", "payment"), version="tiny-1", config=TINY_CONFIG)
    loaded = RoutingModel.from_bytes(model.to_bytes())
    for example in TINY:
        assert loaded.predict(example.text).intent == example.intent
    assert loaded.predict("my order never arrived").topics["delivery"] > 0.5
    assert loaded.predict("").evidence == 0


def test_a_warm_start_adapts_to_corrections_without_forgetting() -> None:
    base = train(TINY, topics=("delivery", "payment"), version="tiny-1", config=TINY_CONFIG)
    corrections = [Example("the app keeps logging me out", "complaint", ()) for _ in range(3)]
    refit = train(corrections, topics=(), version="tiny-2", config=TINY_CONFIG, init=base)
    assert refit.predict("the app keeps logging me out").intent == "complaint"
    assert refit.predict("thank you so much, love it").intent == "praise"
    assert refit.metadata["warm_start"] == "tiny-1"


def test_classify_uses_the_installed_model_source_and_falls_back_when_it_fails() -> None:
    tiny = train(TINY, topics=("delivery", "payment"), version="tiny-1", config=TINY_CONFIG)

    class Source:
        def __init__(self, model: RoutingModel | None, fail: bool = False) -> None:
            self.model, self.fail = model, fail

        def current_model(self) -> RoutingModel | None:
            if self.fail:
                raise RuntimeError("registry down")
            return self.model

    try:
        use_model_source(Source(tiny))
        assert classify(mention("great service, thanks")).model_version == "tiny-1"
        use_model_source(Source(tiny, fail=True))
        assert classify(mention("great service, thanks")).model_version == packaged_model().version
        use_model_source(Source(None))
        assert classify(mention("great service, thanks")).model_version == packaged_model().version
    finally:
        use_model_source(None)
