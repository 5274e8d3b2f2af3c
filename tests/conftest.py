"""Fixtures: a fresh local stack (moto, built from template.yaml) per test, and its HTTP gateway."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from local import platforms as fake
from local.gateway import LocalGateway
from local.stack import LocalStack
from tests.support.platforms import SHARED

#: "now" for every test unless it sets its own: the morning the fixtures' messages were written
TEST_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The composition root's clock (receipt times, replies, resolves) at :data:`TEST_NOW`."""
    from socialdesk import bootstrap

    monkeypatch.setattr(bootstrap, "clock", lambda: TEST_NOW)


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """The template's resources in a fresh in-process moto backend."""
    local = LocalStack()
    try:
        yield local
    finally:
        local.close()


@pytest.fixture
def gateway(stack: LocalStack) -> LocalGateway:
    """The template's HTTP API in front of the in-process functions."""
    return LocalGateway(stack)


@pytest.fixture
def table_items(stack: LocalStack) -> Any:
    """Return every item in the table but the raw-payload archive's (a test-only scan; the archive is
    ``tests.support.archive.archived``)."""

    def scan() -> list[dict[str, Any]]:
        client = stack.client("dynamodb")
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": stack.environment["TABLE_NAME"]}
        while True:
            page = client.scan(**kwargs)
            items.extend(i for i in page["Items"] if not i["PK"]["S"].startswith("RAW#"))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return scan


@pytest.fixture
def shared_dir() -> Any:
    """../shared, or a skip with the reason when this checkout has none beside it."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared not found at {SHARED}: contract tests need the real samples")
    return SHARED


@pytest.fixture
def platforms() -> Iterator[fake.FakePlatforms]:
    with fake.FakePlatforms() as server:
        yield server


@pytest.fixture
def desk(platforms: fake.FakePlatforms) -> Iterator[LocalGateway]:
    """The local stack with replies going to the local platform server."""
    stack = LocalStack.replying_to(platforms)
    try:
        yield LocalGateway(stack)
    finally:
        stack.close()
