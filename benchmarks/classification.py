"""Classification figures: complaint P/R/F1 and intent accuracy per data set, speed, size, learning curve.

Data (read from ``../shared/datasets`` and ``benchmarks/data``, never copied into the repo):

* **airline** — Twitter US Airline Sentiment, deduplicated on tweet_id. A complaint is
  ``airline_sentiment == "negative"``; intents as ``training.corpus.airline_intent`` labels them.
  The model was trained on the **dev split (even ids)** only; the figures are the **test split (odd
  ids)**, never trained or tuned on.
* **TWCS labelled** — ``benchmarks/data/twcs_labelled.jsonl``, 840 inbound tweets to 67 non-airline
  brands labelled by hand (see its LABELLING.md). The model is **never trained or tuned on any of
  it** (it learns from a separate hand-labelled set, ``twcs_train.jsonl``). Figures: its ``test``
  split (277, comparable with earlier runs), all 840, and the rows of the brands that have no tweet
  in the training set (the cross-brand figure: a brand the model has never seen a labelled tweet of).
* **SpotifyCares replies** — ``benchmarks/data/twcs_spotify_followups.jsonl``, 700 customer replies
  to SpotifyCares from 68 other days, intent labelled by hand (SPOTIFY.md), never trained on:
  complaint P/R/F1 and intent accuracy of a brand's replies, which the first set holds few of.
* **Bitext** — the fifth held out of training (``bitext_is_held_out``): intent accuracy (complaint
  vs request) and how many requests are flagged as complaints.
* **spam** — UtkMl's set; its "Spam" is political clickbait, not brand spam: a sanity check only.

Each set is classified as a desk would: the airline tweets with the packaged **airline** policy's
decision thresholds (``classification.thresholds``: its complaint threshold was tuned on the dev
split, see ``training/policy_thresholds.py``), every other set with the **default** policy's.

The learning curve: a new brand's desk starts from the shipped model (which has never seen a
tweet of the labelled set). Agents correct 50, 100, 200 and 500 of the brand's tickets (the
labelled ``train`` split, in a seeded order); after each batch the desk refits on all its
corrections so far (``logic.refit_model.refit_candidate``: a warm start from the live model, as the
scheduled refit does) and the figures are taken on the brand's held-out tickets (the ``test``
split).

Run: ``make bench`` (all suites) or ``PYTHONPATH=functions:. python -m benchmarks.classification``.
"""

from __future__ import annotations

import csv
import functools
import gzip
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from socialdesk.dal.config import packaged_policy
from socialdesk.domain.classification import Classification, Intent, decision_thresholds
from socialdesk.domain.mention import Author, Channel, Engagement, Mention, MentionKind
from socialdesk.domain.routing import RoutingFacts, RoutingPolicy
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.runtime import packaged_model, packaged_model_name
from socialdesk.learning.trainer import Example
from socialdesk.logic.refit_model import CORRECTION_WEIGHT, refit_candidate
from training.corpus import (
    AIRLINE,
    SPAM,
    TWCS_LABELLED,
    TWCS_SPOTIFY,
    airline_intent,
    bitext_is_held_out,
    is_dev,
    load_airline,
    load_bitext,
    load_hand_labelled,
    load_labelled,
    load_spotify_followups,
)

TIMING_ROUNDS = 3
#: the packaged policy airline tweets are classified with, and the one for every other set
AIRLINE_POLICY = "airline"
OTHER_POLICY = "default"
CURVE_STEPS = (50, 100, 200, 500)
CURVE_SEED = 7


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of a binary detector (plus its counts)."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
            f"(tp={self.true_positives} fp={self.false_positives} fn={self.false_negatives})"
        )


def scores(pairs: Iterable[tuple[bool, bool]]) -> Scores:
    """Scores from (predicted, actual) pairs."""
    tp = fp = fn = 0
    for predicted, actual in pairs:
        if predicted and actual:
            tp += 1
        elif predicted:
            fp += 1
        elif actual:
            fn += 1
    return Scores(tp, fp, fn)


def tweet(
    text: str, external_id: str = "1", created_at: str = "2017-10-31T00:00:00Z", **fields: object
) -> Mention:
    """A Mention as the X channel would deliver a customer's tweet."""
    return Mention(
        channel=Channel.X,
        external_id=external_id,
        kind=MentionKind.POST,
        source="x",
        created_at=created_at,
        text=text,
        **fields,  # type: ignore[arg-type]
    )


def airline_mention(row: dict[str, str]) -> Mention:
    """A Mention as the X channel would have produced it for this airline tweet."""
    retweets = row.get("retweet_count") or "0"
    return Mention(
        channel=Channel.X,
        external_id=row["tweet_id"],
        kind=MentionKind.POST,
        source="x",
        created_at=datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z"),
        author=Author(handle=row["name"]),
        text=row["text"],
        engagement=Engagement(reposts=int(retweets) if retweets.isdigit() else None),
    )


def is_complaint_label(row: dict[str, str]) -> bool:
    return row["airline_sentiment"] == "negative"


@functools.cache
def policy(name: str) -> RoutingPolicy:
    """A packaged routing policy (read once)."""
    return packaged_policy(name)


def classified(mention: Mention, policy_name: str, model: RoutingModel | None = None) -> Classification:
    """``mention`` classified as the packaged policy ``policy_name`` reads the model (its thresholds)."""
    return policy(policy_name).classify(mention, model=model)


def thresholds_line(policy_name: str) -> str:
    """The thresholds a packaged policy classifies with (its own over the shipped model's)."""
    at = decision_thresholds(packaged_model(), policy(policy_name).classification.thresholds)
    return f"{policy_name} policy: complaint ≥ {at['complaint']:g}, no reply ≥ {at['no_reply']:g}"


def airline_test_results(model: RoutingModel | None = None) -> list[tuple[dict[str, str], Classification]]:
    """Every test-split (odd id) airline tweet classified with the airline policy's thresholds."""
    return [
        (row, classified(airline_mention(row), AIRLINE_POLICY, model))
        for row in load_airline()
        if not is_dev(row)
    ]


def complaint_scores(rows: Sequence[dict[str, str]], model: RoutingModel | None = None) -> Scores:
    """Complaint scores over airline ``rows`` (the airline policy's thresholds)."""
    return scores(
        (classified(airline_mention(r), AIRLINE_POLICY, model).is_complaint, is_complaint_label(r))
        for r in rows
    )


def labelled_test_results(
    model: RoutingModel | None = None,
) -> list[tuple[dict[str, object], Classification]]:
    """The labelled TWCS ``test`` split classified with the default policy's thresholds."""
    rows = [r for r in load_labelled() if r.get("split") == "test"]
    return [(r, classified(tweet(str(r["text"]), str(r["tweet_id"])), OTHER_POLICY, model)) for r in rows]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timing(mentions: list[Mention]) -> tuple[float, float, float, float]:
    """(p50 µs, p99 µs) wall time per classify() call, mean process-time µs per call, and p50 µs of the
    model's inference alone (``predict``: features and both heads; classify adds the policy's rules,
    the safety net, urgency terms and language)."""
    chosen = policy(AIRLINE_POLICY)
    for mention in mentions[:500]:  # load the model, warm the caches
        chosen.classify(mention)
    samples: list[float] = []
    inference: list[float] = []
    model = packaged_model()
    cpu_start = time.process_time()
    for _ in range(TIMING_ROUNDS):
        for mention in mentions:
            start = time.perf_counter_ns()
            chosen.classify(mention)
            samples.append((time.perf_counter_ns() - start) / 1000)
    cpu = (time.process_time() - cpu_start) / len(samples) * 1e6
    for mention in mentions:
        start = time.perf_counter_ns()
        model.predict(mention.text)
        inference.append((time.perf_counter_ns() - start) / 1000)
    return _percentile(samples, 0.50), _percentile(samples, 0.99), cpu, _percentile(inference, 0.50)


_IMPORT_PROBE = """
import time
import pydantic, socialdesk.domain.mention  # what every handler has loaded already
t0 = time.perf_counter()
import socialdesk.domain.classification
t1 = time.perf_counter()
import socialdesk.learning.runtime as r
r.packaged_model(); r.urgency_terms(); r.language_profiles()
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.1f} {(t2 - t1) * 1000:.1f}")
"""


def import_and_load_ms() -> tuple[float, float]:
    """(ms to import the classifier on top of pydantic and the domain, ms to load the model on first use)."""
    runs = []
    for _ in range(3):
        out = subprocess.run(  # noqa: S603 - our own interpreter, our own probe
            [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def _intent_accuracy(pairs: Iterable[tuple[str, Classification]]) -> float:
    listed = list(pairs)
    return sum(label == c.intent.value for label, c in listed) / len(listed) if listed else 0.0


def airline_figures() -> None:
    results = airline_test_results()
    complaint = scores((c.is_complaint, is_complaint_label(r)) for r, c in results)
    accuracy = _intent_accuracy((airline_intent(r), c) for r, c in results)
    print(
        f"airline test split (odd ids, {len(results)} tweets, never trained or tuned on; "
        f"{thresholds_line(AIRLINE_POLICY)}):"
    )
    print(f"  complaint {complaint.line()}; intent accuracy {accuracy:.3f}")
    by_label: dict[str, Counter[str]] = {}
    for row, c in results:
        by_label.setdefault(row["airline_sentiment"], Counter())[c.intent.value] += 1
    for label, counts in sorted(by_label.items()):
        total = sum(counts.values())
        print(
            f"    labelled {label:8s}: " + ", ".join(f"{k} {v / total:.1%}" for k, v in counts.most_common())
        )
    p50, p99, cpu, inference = timing([airline_mention(r) for r, _ in results])
    print(
        f"  µs per classification: p50 {p50:.1f}, p99 {p99:.1f}, process time {cpu:.1f} (mean); "
        f"the model's inference alone: p50 {inference:.1f}"
    )


def _labelled_lines(title: str, results: Sequence[tuple[dict[str, object], Classification]]) -> None:
    """Complaint scores and intent accuracy of hand-labelled tweets (``needs_response`` too, when the
    set labels it). A row is a complaint when its intent is (the sets' ``complaint`` field says the same)."""
    complaint = scores((c.is_complaint, r["intent"] == "complaint") for r, c in results)
    accuracy = _intent_accuracy((str(r["intent"]), c) for r, c in results)
    brands = len({r["brand"] for r, _ in results})
    print(
        f"{title} ({len(results)} inbound tweets to {brands} non-airline brand{'s' if brands != 1 else ''}, "
        f"never trained on; {thresholds_line(OTHER_POLICY)}):"
    )
    print(f"  complaint {complaint.line()}; intent accuracy {accuracy:.3f}")
    if all("needs_response" in r for r, _ in results):
        needs = scores((c.needs_response, bool(r["needs_response"])) for r, c in results)
        print(f"  needs_response {needs.line()}")


def labelled_figures() -> None:
    every = [
        (r, classified(tweet(str(r["text"]), str(r["tweet_id"])), OTHER_POLICY)) for r in load_labelled()
    ]
    _labelled_lines("TWCS labelled, test split", [(r, c) for r, c in every if r.get("split") == "test"])
    _labelled_lines("TWCS labelled, all", every)
    trained_brands = {str(row["brand"]) for row in load_hand_labelled()}
    _labelled_lines(
        "TWCS labelled, brands with no tweet in the training set",
        [(r, c) for r, c in every if str(r["brand"]) not in trained_brands],
    )
    default = policy(OTHER_POLICY)
    to_engagement = [
        (r, c)
        for r, c in every
        if r["needs_response"]
        and default.match(RoutingFacts.of(tweet(str(r["text"])), c)).then.team == default.engagement_team
    ]
    risky = [(r, c) for r, c in every if r.get("risk")]
    risky_no_reply = [
        r
        for r, c in risky
        if default.match(RoutingFacts.of(tweet(str(r["text"])), c)).then.team == "engagement"
    ]
    print(
        f"  all {len(every)} labelled tweets, default policy: {len(to_engagement)} that need a team go to "
        f"engagement ({len(to_engagement) / len(every):.1%}); risk-labelled {len(risky)}: "
        f"{len(risky_no_reply)} to no-reply, {sum(bool(c.safety_net) for _, c in risky)} caught by the "
        "safety net"
    )


def spotify_figures() -> None:
    """The second evaluation set: SpotifyCares customer replies from 68 other days (intent only)."""
    _labelled_lines(
        "SpotifyCares follow-ups, other days",
        [
            (r, classified(tweet(str(r["text"]), str(r["tweet_id"])), OTHER_POLICY))
            for r in load_spotify_followups()
        ],
    )


def bitext_figures() -> None:
    rows = [r for r in load_bitext() if bitext_is_held_out(r["instruction"])]
    results = [(r, classified(tweet(r["instruction"]), OTHER_POLICY)) for r in rows]
    labels = [("complaint" if r["intent"] == "complaint" else "question", c) for r, c in results]
    requests = [c for r, c in results if r["intent"] != "complaint"]
    flagged = sum(c.is_complaint for c in requests)
    complaint = scores((c.is_complaint, r["intent"] == "complaint") for r, c in results)
    print(f"Bitext held-out fifth ({len(rows)} requests, never trained on; {thresholds_line(OTHER_POLICY)}):")
    print(
        f"  intent accuracy (complaint vs request) {_intent_accuracy(labels):.3f}; requests flagged as "
        f"complaints {flagged}/{len(requests)} = {flagged / len(requests):.1%}; complaint {complaint.line()}"
    )


def spam_figures() -> None:
    with SPAM.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = scores(
        (classified(tweet(r["Tweet"], r["Id"]), OTHER_POLICY).intent is Intent.SPAM, r["Type"] == "Spam")
        for r in rows
    )
    print(f"spam set ({len(rows)} tweets; its Spam is political clickbait, not brand spam): {result.line()}")


def model_figures() -> None:
    model = packaged_model()
    name = packaged_model_name()
    size = len(resources.files("socialdesk.models").joinpath(name).read_bytes())
    raw = len(gzip.decompress(resources.files("socialdesk.models").joinpath(name).read_bytes()))
    import_ms, load_ms = import_and_load_ms()
    print(
        f"model {model.version}: {size / 1e6:.2f} MB gzip ({raw / 1e6:.1f} MB JSON), "
        f"{len(model.words)} word + "
        f"{len(model.chars)} char n-grams; import {import_ms:.1f} ms; first-use load {load_ms:.0f} ms; "
        f"thresholds {model.thresholds}, temperature {model.temperature}"
    )


def _curve_row(label: str, model: RoutingModel, rows: Sequence[dict[str, object]]) -> str:
    results = [(r, classified(tweet(str(r["text"])), OTHER_POLICY, model)) for r in rows]
    complaint = scores((c.is_complaint, bool(r["complaint"])) for r, c in results)
    accuracy = _intent_accuracy((str(r["intent"]), c) for r, c in results)
    return (
        f"  {label:>22s}: intent accuracy {accuracy:.3f}, complaint F1 {complaint.f1:.3f} "
        f"(R {complaint.recall:.3f})"
    )


def learning_curve() -> None:
    labelled = load_labelled()
    train_rows = [r for r in labelled if r.get("split") == "train"]
    test_rows = [r for r in labelled if r.get("split") == "test"]
    # the shipped model has never seen a labelled tweet: it is the new brand's pre-desk model
    shipped = packaged_model()
    print(
        f"learning curve: {len(train_rows)} correctable tickets, {len(test_rows)} held out, "
        f"starting from the shipped model ({thresholds_line(OTHER_POLICY)})"
    )
    print(_curve_row("0 corrections", shipped, test_rows))
    order = list(train_rows)
    random.Random(CURVE_SEED).shuffle(order)
    live = shipped
    done = 0
    for step in CURVE_STEPS:
        batch = order[:step]
        if len(batch) <= done:
            break
        examples = [
            Example(str(r["text"]), str(r["intent"]), None, CORRECTION_WEIGHT, "correction") for r in batch
        ]
        started = time.monotonic()
        live = refit_candidate(live, [], version=f"refit-{step}", base=examples)
        done = min(step, len(order))
        print(
            _curve_row(f"{done} corrections", live, test_rows) + f", refit {time.monotonic() - started:.1f} s"
        )


def main() -> None:
    """Print the classification figures (no assertions)."""
    print("== classification ==")
    model_figures()
    if not AIRLINE.is_file():
        print(f"skipped dataset figures: {AIRLINE} not found (needs the ../shared checkout)")
        return
    airline_figures()
    if TWCS_LABELLED.is_file():
        labelled_figures()
    if TWCS_SPOTIFY.is_file():
        spotify_figures()
    bitext_figures()
    spam_figures()
    if TWCS_LABELLED.is_file():
        learning_curve()


if __name__ == "__main__":
    main()
