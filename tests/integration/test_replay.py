"""The replay benchmark runs end to end: real tweets through the served desk, each ends in a queue."""

from __future__ import annotations

import pytest

from benchmarks import replay


@pytest.mark.skipif(replay.real_tweets(1) is None, reason="../shared/datasets (airline, TWCS) is absent")
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
    assert result.not_in_queue == []
    assert len(result.in_queue) == 12
    assert sum(result.teams.values()) == 12
    assert all("figure" not in line for line in replay.report(result))  # the report renders
