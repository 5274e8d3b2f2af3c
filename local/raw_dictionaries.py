"""Regenerate the raw archive's compression dictionaries from the platforms' documented payloads.

``python -m local.raw_dictionaries`` reads ``../shared/platforms/samples`` and prints, per webhook
family, its payload shapes as compact JSON with every value emptied: strings become ``""`` (except
enumerations, date shapes and URL prefixes of the platform's own hosts), numbers ``0``, lists keep
one element, keys that are ids become ``""``. What stays is the platforms' field structure, never a
sample's content. The shipped dictionaries (``functions/socialdesk/dal/raw_dictionaries``) are
FROZEN once payloads are stored with them: a new dictionary is a new file and a new format number
(``socialdesk.dal.raw_archive``), so this prints rather than overwrites.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "platforms" / "samples"
#: hosts whose URL prefixes recur in every delivery
URL_PREFIXES = (
    "https://pbs.twimg.com/profile_images/",
    "https://pbs.twimg.com/profile_banners/",
    "https://pbs.twimg.com/media/",
    "https://twitter.com/",
    "https://t.co/",
    "https://scontent",
    "https://lookaside.fbsbx.com/",
)
#: values that are enumerations of the platforms' schemas, kept as they are
ENUMERATIONS = frozenset(
    [
        "true",
        "false",
        "everyone",
        "none",
        "blue",
        "en",
        "und",
        "mentions",
        "page",
        "feed",
        "comment",
        "add",
        "edited",
        "remove",
        "post",
        "status",
        "instagram",
        "whatsapp_business_account",
        "whatsapp",
        "text",
        "messages",
        "image",
        "reaction",
    ]
)
#: each family's shapes, least common first (the last bytes of a dictionary are the cheapest to refer to)
FAMILIES = {
    "x": (
        "x_dm_1.json",
        "x-xaa_dm-received_1.json",
        "x_tweet-extended-reply_1.json",
        "x_tweet-mention-media_1.json",
        "x-xaa_post-quote_1.json",
        "x-xaa_post-reply_1.json",
        "x-xaa_post-mention_1.json",
    ),
    "meta": (
        "wa_image_1.json",
        "wa_text_1.json",
        "ig_comment_1.json",
        "messenger_image_1.json",
        "messenger_text_1.json",
        "fb_feed-post_1.json",
        "fb_feed-comment_1.json",
    ),
}


def emptied(value: Any) -> Any:
    """``value``'s shape with its content removed (see the module docstring)."""
    if isinstance(value, dict):
        return {("" if re.fullmatch(r"\d+", k) else k): emptied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [emptied(v) for v in value[:1]]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return 0
    text = str(value)
    for prefix in URL_PREFIXES:
        if text.startswith(prefix):
            return prefix
    if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)", text):
        return "2026-01-01T00:00:00.000Z" if text.endswith("Z") else "2026-01-01T00:00:00+0000"
    if re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d [\d:]{8} \+0000 \d{4}", text):
        return "Mon Jan 01 00:00:00 +0000 2026"
    if text in ENUMERATIONS or text.startswith(("post.", "dm.", "<a href=")):
        return text
    return ""


def dictionary(family: str) -> str:
    """One family's dictionary: its shapes as compact JSON, one after the other."""
    return "".join(
        json.dumps(emptied(json.loads((SAMPLES / name).read_text())), separators=(",", ":"))
        for name in FAMILIES[family]
    )


def main() -> None:
    """Print each family's dictionary (compare with the shipped files; never overwrite them)."""
    if not SAMPLES.is_dir():
        sys.exit(f"{SAMPLES} is absent: the dictionaries are made from the platforms' samples")
    for family in FAMILIES:
        print(f"== {family}\n{dictionary(family)}")


if __name__ == "__main__":
    main()
