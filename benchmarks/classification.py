"""Classification figures: complaint precision/recall/F1, µs per mention, intents, spam, language.

Data (read from ``../shared/datasets``, never copied into the repo):

* airline — Twitter US Airline Sentiment (14,640 rows, deduplicated on tweet_id, first row kept). A
  complaint is ``airline_sentiment == "negative"``. The **dev split is the even tweet_ids, the test
  split the odd ones** (Twitter's sequence bits make the dev split about three times larger).
* spam — UtkMl's Twitter spam set (Quality / Spam). Its "Spam" is mostly political clickbait and
  news-bot links, not the brand spam (giveaways, crypto, follow-for-follow) the rules target, so its
  figures are a sanity check, not a calibration.

What was tuned, and on what — all on the airline **dev** split only; the test split was never looked
at row by row and only ever run to print these figures:

* ``COMPLAINT_WEIGHTS`` in ``socialdesk.domain.classification``: a logistic regression (L2) fitted
  offline on the dev split over the classifier's own features (lexicon positive/negative sums,
  customer-service rule hits, negation, question shape, topics, ...), rounded to one decimal.
  Weights for features the airline data barely has (fraud, privacy, delivery, payment and account
  topics; urgency; sarcasm; "nobody helps" in other languages) were set by hand by analogy.
* ``COMPLAINT_CUTOFF``: chosen on dev for precision ≈ 0.88 at the best recall (a 2-fold split of
  dev gave the same figures on its held-out halves, so the fit does not overfit dev).
* The service-rule phrases, sarcasm/praise/question cues and some lexicon words were added after
  reading dev errors (false negatives and false positives) only.
* Spam rules were checked (not fitted) against the spam set: it mostly confirmed that its "Spam"
  class is another kind of spam; the rule set was kept aimed at brand spam.

Baseline: the same lexicon and VADER-style rules (negation, boosters, caps, "but", punctuation)
without any customer-service rule, complaint = compound ≤ -0.05, as VADER is usually thresholded.

Run: ``PYTHONPATH=functions:. python -c "from benchmarks import classification; classification.main()"``.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from socialdesk.domain.classification import Classification, Intent, classify, lexicon_sentiment
from socialdesk.domain.mention import Author, Channel, Engagement, Mention, MentionKind

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
AIRLINE = DATASETS / "airline" / "Tweets.csv"
SPAM = DATASETS / "spam" / "utkml_twitter_spam_train.csv"
#: VADER's usual cut for "negative"
BASELINE_CUTOFF = -0.05
TIMING_ROUNDS = 3


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


def load_airline(path: Path = AIRLINE) -> list[dict[str, str]]:
    """The airline rows, deduplicated on tweet_id (the first row of each id is kept)."""
    rows: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["tweet_id"], row)
    return list(rows.values())


def is_dev(row: dict[str, str]) -> bool:
    """Dev = even tweet_id (tuning allowed); test = odd tweet_id (reporting only)."""
    return int(row["tweet_id"]) % 2 == 0


def is_complaint_label(row: dict[str, str]) -> bool:
    return row["airline_sentiment"] == "negative"


def airline_mention(row: dict[str, str]) -> Mention:
    """A Mention as the X channel would have produced it for this tweet."""
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


def complaint_scores(rows: list[dict[str, str]]) -> tuple[Scores, Scores]:
    """(classifier, lexicon-only baseline) complaint scores over ``rows``."""
    ours: list[tuple[bool, bool]] = []
    baseline: list[tuple[bool, bool]] = []
    for row in rows:
        actual = is_complaint_label(row)
        ours.append((classify(airline_mention(row)).is_complaint, actual))
        baseline.append((lexicon_sentiment(row["text"]) <= BASELINE_CUTOFF, actual))
    return scores(ours), scores(baseline)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timing(mentions: list[Mention]) -> tuple[float, float, float]:
    """(p50 µs, p99 µs) wall time per classify() call, and mean process-time µs per call."""
    for mention in mentions[:500]:  # warm the caches
        classify(mention)
    samples: list[float] = []
    cpu_start = time.process_time()
    for _ in range(TIMING_ROUNDS):
        for mention in mentions:
            start = time.perf_counter_ns()
            classify(mention)
            samples.append((time.perf_counter_ns() - start) / 1000)
    cpu = (time.process_time() - cpu_start) / len(samples) * 1e6
    return _percentile(samples, 0.50), _percentile(samples, 0.99), cpu


def _distribution(counter: Counter[str], total: int) -> str:
    return ", ".join(f"{key} {count} ({count / total:.1%})" for key, count in counter.most_common())


def airline_figures() -> None:
    rows = load_airline()
    dev = [row for row in rows if is_dev(row)]
    test = [row for row in rows if not is_dev(row)]
    print(
        f"airline: {len(rows)} tweets after dedupe on tweet_id; dev (even ids) {len(dev)}, test {len(test)}"
    )
    for name, split in (("dev ", dev), ("test", test)):
        negatives = sum(is_complaint_label(row) for row in split)
        ours, baseline = complaint_scores(split)
        print(f"  complaint {name} ({negatives} negatives): classifier {ours.line()}")
        print(f"  complaint {name}                  baseline   {baseline.line()}")

    mentions = [airline_mention(row) for row in rows]
    p50, p99, cpu = timing(mentions)
    print(f"  µs per classification: p50 {p50:.1f}, p99 {p99:.1f}, process time {cpu:.1f} (mean)")

    results: list[Classification] = [classify(m) for m in mentions]
    total = len(results)
    print(f"  intents: {_distribution(Counter(r.intent.value for r in results), total)}")
    by_label: dict[str, Counter[str]] = {}
    for row, result in zip(rows, results, strict=True):
        by_label.setdefault(row["airline_sentiment"], Counter())[result.intent.value] += 1
    for label in ("negative", "neutral", "positive"):
        counts = by_label.get(label, Counter())
        print(f"    labelled {label:8s}: {_distribution(counts, sum(counts.values()) or 1)}")
    topics = Counter(r.topic or "-" for r in results)
    print(f"  primary topics: {_distribution(topics, total)}")
    urgency = Counter(term for r in results for term in r.urgency_terms)
    print(f"  urgency terms: {dict(urgency.most_common())}")
    languages = Counter(r.language for r in results)
    print(
        f"  language: {languages['en'] / total:.1%} detected 'en', {languages['und'] / total:.1%} 'und', "
        f"other {dict((k, v) for k, v in languages.most_common() if k not in ('en', 'und'))}"
    )
    needs = sum(r.needs_response for r in results)
    print(f"  needs_response: {needs} ({needs / total:.1%})")

    reasons: dict[str, list[bool]] = {}
    for row, result in zip(rows, results, strict=True):
        if not is_dev(row) and is_complaint_label(row):
            reasons.setdefault(row["negativereason"] or "-", []).append(result.is_complaint)
    recall_by_reason = sorted(reasons.items(), key=lambda item: -len(item[1]))
    print(
        "  test recall by negativereason: "
        + ", ".join(
            f"{reason} {statistics.fmean(hits):.2f} (n={len(hits)})" for reason, hits in recall_by_reason
        )
    )


def spam_figures() -> None:
    with SPAM.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs: list[tuple[bool, bool]] = []
    for row in rows:
        mention = Mention(
            channel=Channel.X,
            external_id=row["Id"],
            kind=MentionKind.POST,
            source="x",
            created_at="2016-05-01T00:00:00Z",
            text=row["Tweet"],
        )
        pairs.append((classify(mention).intent is Intent.SPAM, row["Type"] == "Spam"))
    result = scores(pairs)
    flagged = result.true_positives + result.false_positives
    print(f"spam set: {len(rows)} tweets, {sum(actual for _, actual in pairs)} labelled Spam")
    print(f"  intent=spam vs Type=Spam: {result.line()}; {flagged} flagged in all")
    print("  (its 'Spam' is political clickbait, not brand spam: low recall here is expected)")


def main() -> None:
    """Print the classification figures (no assertions)."""
    print("== classification ==")
    if AIRLINE.is_file():
        airline_figures()
    else:
        print(f"skipped airline figures: {AIRLINE} not found (needs the ../shared checkout)")
    if SPAM.is_file():
        spam_figures()
    else:
        print(f"skipped spam figures: {SPAM} not found (needs the ../shared checkout)")


if __name__ == "__main__":
    main()
