"""Secrets: names split by purpose; misses cached like hits (an absent name costs one SSM call per period)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from socialdesk.dal.secrets import SsmSecretSource, inbound, outbound


class CountingSsm:
    """Answers GetParameter like SSM; counts the calls."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[str] = []

    def get_parameter(self, Name: str, WithDecryption: bool = False, **_: Any) -> dict[str, Any]:
        self.calls.append(Name)
        if Name not in self.values:
            raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": ""}}, "GetParameter")
        return {"Parameter": {"Name": Name, "Value": self.values[Name]}}


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()


def test_names_are_split_by_purpose() -> None:
    assert inbound("x/consumer-secret") == "inbound/x/consumer-secret"
    assert outbound("x", "2244994945", "access-token") == "outbound/x/2244994945/access-token"
    for bad in ("../inbound", "a/b", "", "x" * 129):
        with pytest.raises(ValueError, match="account"):
            outbound("x", bad, "access-token")


def test_a_missing_secret_is_looked_up_once_per_cache_period() -> None:
    ssm, clock = CountingSsm({}), Clock()
    source = SsmSecretSource(ssm, "/socialdesk/prod", max_age=300, clock=clock)
    # When 100 requests name the same absent secret
    assert [source.get("inbound/generic/nope/secret") for _ in range(100)] == [None] * 100
    # Then SSM was asked once; after the cache period, once more
    assert len(ssm.calls) == 1
    clock.now += 301
    assert source.get("inbound/generic/nope/secret") is None
    assert len(ssm.calls) == 2


def test_a_secret_created_after_a_miss_is_seen_after_the_period() -> None:
    ssm, clock = CountingSsm({}), Clock()
    source = SsmSecretSource(ssm, "/socialdesk/prod", max_age=60, clock=clock)
    assert source.get("inbound/meta/app-secret") is None
    ssm.values["/socialdesk/prod/inbound/meta/app-secret"] = "s3cret"
    assert source.get("inbound/meta/app-secret") is None  # still cached as missing
    clock.now += 61
    assert source.get("inbound/meta/app-secret") == "s3cret"


def test_no_negative_caching_when_caching_is_off() -> None:
    ssm = CountingSsm({})
    source = SsmSecretSource(ssm, "/socialdesk/prod", max_age=0)
    for _ in range(3):
        source.get("inbound/x/consumer-secret")
    assert len(ssm.calls) == 3
