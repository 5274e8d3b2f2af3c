"""The raw archive's stored format: every delivery reads back byte for byte, an X mention's item is
one write unit, bodies stored by earlier versions still read, and the dictionaries hold only shapes."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from benchmarks.costs import item_size, write_units
from local import raw_dictionaries
from socialdesk.dal import raw_archive
from socialdesk.dal.raw_archive import TableRawPayloadArchive, archived_body, compressed, decompressed

SAMPLES = raw_dictionaries.SAMPLES
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"{SAMPLES} is absent (../shared)")
#: the shipped dictionaries, by content: items are stored with them, so they never change
FROZEN = {
    "x-1.json": "86f1a0e10295290a63cf4626f7a015fac78a3f38cc16ae115d27c1af8e2ef4ae",
    "meta-1.json": "845f2bdc55f96524f5c789030e03a0194009f77d37812f7df948f309e845503e",
}


class _Client:
    """A DynamoDB client that keeps the items put (the archive's only call here)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, **request: Any) -> None:
        self.items.append(request["Item"])


def _family(name: str) -> str:
    return "x" if name.startswith("x") else "meta" if name[:2] in ("fb", "ig", "me", "wa") else "generic-x"


@needs_samples
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.json")) if SAMPLES.is_dir() else [])
def test_every_recorded_delivery_reads_back_byte_for_byte_and_smaller(name: str) -> None:
    body = (SAMPLES / name).read_bytes()
    stored = compressed(_family(name), body)
    assert decompressed(stored) == body
    assert len(stored) < len(zlib.compress(body, 6))


def test_a_generic_delivery_has_no_dictionary_and_reads_back() -> None:
    body = json.dumps({"id": "r-1", "text": "the parcel never came", "author": {"id": "a"}}).encode()
    stored = compressed("generic-reviews", body)
    assert stored[0] == 3
    assert decompressed(stored) == body


def test_a_body_stored_by_an_earlier_version_still_reads() -> None:
    body = b'{"for_user_id":"1","tweet_create_events":[{"id_str":"2","text":"still down"}]}'
    assert archived_body({"body": zlib.compress(body, 6)}) == body


@needs_samples
def test_an_x_mention_delivery_is_one_write_unit() -> None:
    from benchmarks.routing import delivery

    client = _Client()
    archive = TableRawPayloadArchive(client, "t", large=None)  # type: ignore[arg-type]
    body = json.dumps(
        delivery(7, "@SkyHighAir flight SH12 cancelled, 3 hours on hold and still no answer. " * 3),
        separators=(",", ":"),
    ).encode()
    ref = archive.archive("x", body)
    (item,) = client.items
    assert write_units(item_size(item)) == 1, item_size(item)
    assert archived_body({"body": item["body"]["B"]}) == body
    assert ref.startswith("raw:x/")


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_the_shipped_dictionaries_are_frozen(name: str) -> None:
    data = (Path(raw_archive.__file__).with_name("raw_dictionaries") / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == FROZEN[name]


def _values(document: Any) -> list[Any]:
    if isinstance(document, dict):
        return [v for value in document.values() for v in _values(value)]
    if isinstance(document, list):
        return [v for value in document for v in _values(value)]
    return [document]


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_the_dictionaries_hold_shapes_not_content(name: str) -> None:
    text = (Path(raw_archive.__file__).with_name("raw_dictionaries") / name).read_text().strip()
    decoder, documents, at = json.JSONDecoder(), [], 0
    while at < len(text):
        document, at = decoder.raw_decode(text, at)
        documents.append(document)
    leaves = [v for document in documents for v in _values(document) if not isinstance(v, dict | list)]
    for value in leaves:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            assert value == 0
            continue
        assert (
            value
            in ("", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00+0000", "Mon Jan 01 00:00:00 +0000 2026")
            or value in raw_dictionaries.ENUMERATIONS
            or value in raw_dictionaries.URL_PREFIXES
            or value.startswith(("post.", "dm.", "<a href="))
        ), value


@needs_samples
@pytest.mark.parametrize("family", sorted(raw_dictionaries.FAMILIES))
def test_the_dictionaries_are_what_the_generator_makes_of_the_samples(family: str) -> None:
    shipped = (Path(raw_archive.__file__).with_name("raw_dictionaries") / f"{family}-1.json").read_text()
    assert shipped.rstrip("\n") == raw_dictionaries.dictionary(family)


def test_a_desk_that_keeps_no_payloads_refers_to_none_and_writes_none() -> None:
    class NoCalls:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"no AWS call expected, got {name}")

    archive = TableRawPayloadArchive(NoCalls(), "t", raw_archive.S3RawPayloadArchive(NoCalls(), "b"), 0)
    body = b'{"for_user_id": "1"}'
    assert archive.ref_for("x", body) is None
    assert archive.ref_for("meta", body * 20_000) is None  # a large body too
    with pytest.raises(ValueError, match="keeps no raw payloads"):
        archive.archive("x", body)
    kept = TableRawPayloadArchive(NoCalls(), "t", raw_archive.S3RawPayloadArchive(NoCalls(), "b"), 30)
    assert kept.ref_for("x", body) == f"raw:x/{hashlib.sha256(body).hexdigest()}"
