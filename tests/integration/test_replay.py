"""The replay benchmark runs end to end: real tweets through the served desk, each ends in a queue."""

from __future__ import annotations

import pytest

from benchmarks import replay


@pytest.mark.skipif(replay.real_tweets(1) is None, reason="../shared/datasets/airline is absent")
def test_without_the_twcs_csvs_the_labelled_twcs_tweets_alternate_with_airline_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the TWCS CSVs absent (the labelled TWCS tweets of benchmarks/data hold 1,806)
    monkeypatch.setattr(replay, "TWCS", tuple(path.with_name(f"absent-{path.name}") for path in replay.TWCS))

    # When more tweets are asked for than the labelled sets hold twice over
    tweets = replay.real_tweets(4000)

    # Then they alternate airline and TWCS until TWCS runs out, and airline ones make up the rest
    assert tweets is not None and len(tweets) == 4000
    assert "benchmarks/data" in replay.twcs_source()
    assert [t.kind for t in tweets[:4]] == ["airline", "TWCS", "airline", "TWCS"]
    twcs = [t for t in tweets if t.kind == "TWCS"]
    assert len(twcs) == 1806 and all(t.kind == "airline" for t in tweets[3612:])
    # each TWCS tweet has an author of its own, the same in every run, and every id is distinct
    assert len({t.user_id for t in twcs}) == 1806
    assert [t.user_id for t in twcs[:3]] == [t.user_id for t in replay._twcs_labelled()][:3]
    assert len({t.tweet_id for t in tweets}) == 4000


@pytest.mark.skipif(replay.real_tweets(1) is None, reason="../shared/datasets/airline is absent")
def test_a_small_replay_acknowledges_every_tweet_and_puts_each_in_a_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given twelve real tweets, airline and TWCS alternately
    tweets = replay.real_tweets(12)
    assert tweets is not None and len(tweets) == 12

    # When four clients send them to the served desk as signed X deliveries (make serve's desk turns
    # the functions' metrics off for the process; the setting is undone after the test)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    result = replay.replay(tweets, clients=4)

    # Then every delivery is acknowledged and every tweet ends on a ticket that is in a queue
    assert result.statuses == {200: 12}
    assert result.sent == {"airline": 6, "TWCS": 6}
    assert result.not_in_queue == []
    assert len(result.in_queue) == 12
    assert sum(result.teams.values()) == 12
    assert all("figure" not in line for line in replay.report(result))  # the report renders
