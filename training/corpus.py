"""Labelled examples for the routing model, built from ../shared/datasets and the hand-written seeds.

Sources (all read in place, never copied into the repo):

* **airline** (Twitter US Airline Sentiment), the **dev split only** (even tweet_id, deduplicated on
  tweet_id, first row kept). negative → complaint, positive → praise, neutral → question when it
  asks or requests something (a ``?`` or a request cue), else other. Weight = the crowd's sentiment
  confidence. Topics from the negative reason (Late Flight → delay, Lost Luggage → baggage, ...).
  The odd tweet_ids are the test split: no function here returns them for training.
* **bitext** (customer-support requests): ``complaint`` → complaint, every other intent → question (a
  request). Topics from the category. One fifth (``bitext_is_held_out``) is held out for the benchmark.
* **twcs-weak**: inbound tweets of the TWCS head slice that a brand answered, weak-labelled by the
  brand's reply (see :func:`weak_label`); tweets of ``benchmarks/data/twcs_labelled.jsonl`` (the
  evaluation set) and of ``benchmarks/data/twcs_train.jsonl`` (hand-labelled already) are excluded.
* **twcs-hand**: ``benchmarks/data/twcs_train.jsonl``, 966 inbound TWCS tweets labelled by hand for
  training (see its TRAINING.md), none of them in the evaluation set. The evaluation set
  (``twcs_labelled.jsonl``) is never trained or tuned on, neither split.
* **seed**: ``training/seed/*.jsonl``, written by us: es/fr/de/pt/it complaints, questions and praise,
  English safety/fraud/legal/privacy complaints, brand spam and chatter.

Every text also gets the topics whose seed terms (``training/topics.yaml``) it contains.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import yaml

from socialdesk.learning.trainer import Example

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
AIRLINE = DATASETS / "airline" / "Tweets.csv"
BITEXT = DATASETS / "bitext" / "Bitext_Sample_Customer_Support_Training_Dataset_6480rows_blob-d5bd1d4.csv"
TWCS_HEAD = DATASETS / "twcs" / "twcs_head_monalisapatra26.csv"
TWCS_SAMPLE = DATASETS / "twcs" / "twcs_kaggle_sample.csv"
SPAM = DATASETS / "spam" / "utkml_twitter_spam_train.csv"
SEEDS = ROOT / "training" / "seed"
TOPIC_TERMS = ROOT / "training" / "topics.yaml"
TWCS_LABELLED = ROOT / "benchmarks" / "data" / "twcs_labelled.jsonl"
TWCS_HAND = ROOT / "benchmarks" / "data" / "twcs_train.jsonl"
#: SpotifyCares customer replies on 68 other days, hand-labelled as a second evaluation set (SPOTIFY.md)
TWCS_SPOTIFY = ROOT / "benchmarks" / "data" / "twcs_spotify_followups.jsonl"

TOPICS: tuple[str, ...] = (
    "fraud",
    "safety",
    "privacy",
    "cancellation",
    "delay",
    "baggage",
    "refund",
    "payment",
    "booking",
    "customer_service",
    "app_outage",
    "delivery",
    "product_quality",
    "account_access",
)

AIRLINE_REASON_TOPICS = {
    "Late Flight": ("delay",),
    "Cancelled Flight": ("cancellation",),
    "Lost Luggage": ("baggage",),
    "Damaged Luggage": ("baggage", "product_quality"),
    "Customer Service Issue": ("customer_service",),
    "Flight Attendant Complaints": ("customer_service",),
    "Flight Booking Problems": ("booking",),
    "longlines": ("customer_service",),
    "Bad Flight": ("product_quality",),
}

BITEXT_CATEGORY_TOPICS = {
    "REFUND": ("refund",),
    "PAYMENT": ("payment",),
    "INVOICE": ("payment",),
    "DELIVERY": ("delivery",),
    "SHIPPING_ADDRESS": ("delivery",),
    "CANCELLATION_FEE": ("cancellation", "payment"),
    "CONTACT": ("customer_service",),
}
BITEXT_INTENT_TOPICS = {
    "recover_password": ("account_access",),
    "registration_problems": ("account_access",),
    "cancel_order": ("cancellation",),
}

_REQUEST_RE = re.compile(
    r"\b(?:please|pls|plz|can (?:you|u|i|we)|could (?:you|u)|how (?:do|can|long|much)|need (?:to|help|a)|"
    r"help me|dm|let me know|is there|are there|what|when|where|which|who)\b"
)


def is_dev(row: dict[str, str]) -> bool:
    """The airline dev split: even tweet_ids (the odd ones are the test split)."""
    return int(row["tweet_id"]) % 2 == 0


def load_airline() -> list[dict[str, str]]:
    """The airline CSV's rows, deduplicated on tweet_id (first row kept)."""
    seen: set[str] = set()
    rows = []
    with AIRLINE.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["tweet_id"] not in seen:
                seen.add(row["tweet_id"])
                rows.append(row)
    return rows


def airline_intent(row: dict[str, str]) -> str:
    """The intent an airline row is labelled with (see the module docstring)."""
    sentiment = row["airline_sentiment"]
    if sentiment == "negative":
        return "complaint"
    if sentiment == "positive":
        return "praise"
    text = row["text"].lower()
    return "question" if "?" in text or _REQUEST_RE.search(text) else "other"


def airline_examples(rows: Iterable[dict[str, str]]) -> list[Example]:
    """Examples of airline rows; refuses any test-split row."""
    examples = []
    for row in rows:
        if not is_dev(row):
            raise ValueError("the airline test split (odd tweet_ids) is never used for training")
        topics = AIRLINE_REASON_TOPICS.get(row["negativereason"], ())
        examples.append(
            Example(
                text=row["text"],
                intent=airline_intent(row),
                topics=_with_terms(row["text"], topics),
                weight=max(0.3, float(row["airline_sentiment_confidence"] or 1)),
                source="airline",
            )
        )
    return examples


def bitext_is_held_out(instruction: str) -> bool:
    """One fifth of Bitext, by a stable hash of the text, kept out of training for the benchmark."""
    return zlib.crc32(instruction.encode("utf-8")) % 5 == 0


def load_bitext() -> list[dict[str, str]]:
    """Bitext's rows."""
    with BITEXT.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def bitext_example(row: dict[str, str]) -> Example:
    """A Bitext row as an example (complaint, or a request labelled question)."""
    topics = BITEXT_CATEGORY_TOPICS.get(row["category"], ()) + BITEXT_INTENT_TOPICS.get(row["intent"], ())
    return Example(
        text=row["instruction"],
        intent="complaint" if row["intent"] == "complaint" else "question",
        topics=_with_terms(row["instruction"], topics),
        weight=0.5,
        source="bitext",
    )


def bitext_examples() -> list[Example]:
    """Bitext's training four fifths."""
    return [bitext_example(row) for row in load_bitext() if not bitext_is_held_out(row["instruction"])]


_APOLOGY_RE = re.compile(
    r"sorry|apolog|frustrat|inconvenien|not the experience|hate to hear|not what we|disappoint|"
    r"concern(?:ed|ing)? to (?:hear|see)|saddening|unacceptable|never want|"
    r"understand your (?:concern|frustrat)|not ideal|let you down|not okay|not ok\b|that's not right|"
    r"definitely not|we'd hate|troubl(?:e|ing) to hear|we don't like|"
    r"should(?:n't| not) (?:happen|be the case)"
)
#: a reply that sets out to fix something: the customer reported a problem
_FIXING_RE = re.compile(
    r"look into|looking into|get (?:this|that|it) (?:sorted|fixed|resolved)|troubleshoot|"
    r"take a (?:closer )?look|investigat|not working|isn't working|having (?:trouble|issues|problems)|"
    r"still (?:having|seeing|happening)|"
    r"error (?:message|code)|what (?:happens|happened|error)|when did (?:this|the|it)|steps|reset|restart|"
    r"reinstall|clear (?:the|your) cache|check on (?:this|that|it)|escalat|get to the bottom|find out what"
)
_THANKED_RE = re.compile(
    r"glad|happy to hear|great to hear|love to hear|love hearing|awesome|"
    r"thanks for the (?:love|shout|kind|support)|"
    r"appreciate the (?:love|kind|shout)|you're (?:very )?welcome|\bwelcome!|enjoy|means a lot|made our day|"
    r"you rock|thanks for (?:choosing|flying|being)|❤|💙|😊|😀|🙌|🎉"
)


def weak_label(inbound: str, reply: str) -> str | None:
    """The intent a brand's reply suggests for the customer's tweet, or None when it is unclear.

    An apology, an acknowledged frustration or troubleshooting in the reply → complaint (the
    customer reported a problem); thanks for kind words or "glad to hear" with neither → praise.
    Anything else is left out: brands answer questions and complaints alike with "DM us", so a
    reply without those cues says nothing reliable (a weak "question" label, tried, taught the model
    that complaints phrased as questions are questions).
    """
    del inbound  # the label comes from the reply alone; the inbound text is what the model reads
    reply_l = reply.lower()
    if _APOLOGY_RE.search(reply_l) or _FIXING_RE.search(reply_l):
        return "complaint"
    if _THANKED_RE.search(reply_l):
        return "praise"
    return None


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def labelled_benchmark_ids() -> frozenset[str]:
    """tweet_ids of the hand-labelled TWCS benchmark (never trained on)."""
    return frozenset(str(row["tweet_id"]) for row in _jsonl(TWCS_LABELLED))


@cache
def hand_labelled_ids() -> frozenset[str]:
    """tweet_ids of the hand-labelled TWCS training set (``benchmarks/data/twcs_train.jsonl``)."""
    return frozenset(str(row["tweet_id"]) for row in _jsonl(TWCS_HAND))


def _twcs_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def twcs_weak_examples() -> list[Example]:
    """Weak-labelled inbound TWCS tweets (:func:`weak_label`); benchmark and hand-labelled tweets excluded."""
    excluded = labelled_benchmark_ids() | hand_labelled_ids()
    examples = []
    for path in (TWCS_HEAD, TWCS_SAMPLE):
        rows = _twcs_rows(path)
        by_id = {row["tweet_id"]: row for row in rows}
        for row in rows:
            if row["inbound"] != "True" or row["tweet_id"] in excluded or not row["response_tweet_id"]:
                continue
            replies = [by_id.get(i.strip()) for i in row["response_tweet_id"].split(",")]
            reply = next((r for r in replies if r and r["inbound"] == "False"), None)
            if reply is None:
                continue
            intent = weak_label(row["text"], reply["text"])
            if intent:
                examples.append(
                    Example(
                        text=row["text"],
                        intent=intent,
                        topics=_with_terms(row["text"], ()),
                        weight=0.8,
                        source="twcs-weak",
                    )
                )
    return examples


def load_labelled() -> list[dict[str, object]]:
    """The hand-labelled TWCS evaluation set (``benchmarks/data/twcs_labelled.jsonl``, see LABELLING.md)."""
    return _jsonl(TWCS_LABELLED)


def load_spotify_followups() -> list[dict[str, object]]:
    """The SpotifyCares follow-ups evaluation set (``benchmarks/data/twcs_spotify_followups.jsonl``;
    SPOTIFY.md): 700 customer replies from other days, intent labelled by hand, never trained on."""
    return _jsonl(TWCS_SPOTIFY)


def load_hand_labelled() -> list[dict[str, object]]:
    """The hand-labelled TWCS training set's rows (``benchmarks/data/twcs_train.jsonl``; see TRAINING.md)."""
    return _jsonl(TWCS_HAND)


def hand_examples() -> list[Example]:
    """The hand-labelled TWCS training set (``benchmarks/data/twcs_train.jsonl``; see TRAINING.md).

    Intent only: its topics are unknown (``None``), so the topic head learns nothing from it.
    """
    return [
        Example(text=str(row["text"]), intent=str(row["intent"]), topics=None, weight=2.0, source="twcs-hand")
        for row in load_hand_labelled()
    ]


def seed_examples() -> list[Example]:
    """The hand-written seed sets in ``training/seed``."""
    examples = []
    for path in sorted(SEEDS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                examples.append(
                    Example(
                        text=doc["text"],
                        intent=doc["intent"],
                        topics=_with_terms(doc["text"], tuple(doc.get("topics", ()))),
                        weight=float(doc.get("weight", 2.0)),
                        source="seed",
                    )
                )
    return examples


@cache
def _topic_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    terms = yaml.safe_load(TOPIC_TERMS.read_text(encoding="utf-8"))
    return tuple(
        (topic, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t.lower()) for t in words) + r")(?!\w)"))
        for topic, words in terms.items()
    )


def topics_by_terms(text: str) -> tuple[str, ...]:
    """The topics whose seed terms occur in ``text``."""
    lowered = text.lower().replace("\u2019", "'")
    return tuple(topic for topic, pattern in _topic_patterns() if pattern.search(lowered))


def _with_terms(text: str, topics: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(topics) | set(topics_by_terms(text))))


class DatasetsAbsent(RuntimeError):
    """A data set the shipped model was trained from is not in ``../shared/datasets``."""

    def __init__(self, missing: list[Path]) -> None:
        names = ", ".join(
            str(p.relative_to(DATASETS.parent)) if p.is_relative_to(DATASETS.parent) else str(p)
            for p in missing
        )
        super().__init__(
            f"{names} absent: the shipped model was trained with it, so a fit without it is a different "
            "model (pass --allow-missing to train from what is there)"
        )
        self.missing = missing


#: the ``../shared`` files :func:`base_examples` reads, and the sources they give
DATASET_FILES = {AIRLINE: "airline", BITEXT: "bitext", TWCS_HEAD: "twcs-weak", TWCS_SAMPLE: "twcs-weak"}


def missing_datasets() -> list[Path]:
    """The files of :data:`DATASET_FILES` that are not there."""
    return [path for path in DATASET_FILES if not path.is_file()]


def base_examples(*, allow_missing: bool = False) -> list[Example]:
    """What ``make train`` learns from: airline dev, 4/5 of Bitext, TWCS weak and hand-labelled, seeds.

    The TWCS evaluation set (``twcs_labelled.jsonl``, both splits) is not among them.

    Raises
    ------
    DatasetsAbsent
        When a file of ``../shared/datasets`` is absent, unless ``allow_missing`` (then its source is
        left out).
    """
    missing = missing_datasets()
    if missing and not allow_missing:
        raise DatasetsAbsent(missing)
    examples: list[Example] = []
    if AIRLINE.is_file():
        examples += airline_examples([row for row in load_airline() if is_dev(row)])
    if BITEXT.is_file():
        examples += bitext_examples()
    return [*examples, *twcs_weak_examples(), *seed_examples(), *hand_examples()]


def split(examples: Iterable[Example], fold: int = 5) -> Iterator[tuple[bool, Example]]:
    """(is_validation, example): a stable 1-in-``fold`` validation split by a hash of the text."""
    for example in examples:
        yield zlib.crc32(example.text.encode("utf-8")) % fold == 1, example
