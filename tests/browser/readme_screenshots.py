"""Take the README's screenshots (docs/console-*.png) on a seeded desk: ``make screenshots``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_readme_screenshots(screens: object, console: object) -> None:
    """Run by ``make screenshots``; ``make test`` does not collect this file (no ``test_`` prefix)."""
    from datetime import UTC, datetime, timedelta

    from local.scripted_day import Arrivals, Tweet
    from tests.browser.test_console import open_ticket_of, sign_in
    from tests.support.routing import call

    # two older complaints, so the queue shows a countdown past its warning and one past its breach
    now = datetime.now(UTC)
    for label, handle, text, age in (
        (
            "old-warn",
            "marta_r",
            "@SkyHighAir the app shows my flight but not my seat, can someone help?",
            200,
        ),
        ("old-breach", "tom_h", "@SkyHighAir lost my luggage in Madrid, no one replies to my emails", 250),
    ):
        delivery = Tweet(label, handle, text).delivery(now - timedelta(minutes=age), Arrivals())
        console.gateway.request("POST", delivery.path, delivery.headers, delivery.body)  # type: ignore[attr-defined]
    page = sign_in(screens, console, teams=("customer-care", "billing", "tech-support"))  # type: ignore[arg-type]
    call(console.gateway, "PUT", "/agents/me/availability", {"status": "online"}, subject="ben")  # type: ignore[attr-defined]
    page.reload()
    page.wait_for_selector("[data-testid=queue-row]")
    page.click("[data-team=customer-care]")
    page.wait_for_selector("[data-testid=queue-row] >> text=@tom_h")
    page.wait_for_timeout(400)
    page.screenshot(path=str(DOCS / "console-queue.png"))
    open_ticket_of(page, "@ann_travels")
    page.select_option("[data-testid=canned]", label="Sorry — looking into it")
    page.click("[data-testid=send-reply]")
    page.wait_for_selector("[data-testid=reply][data-status=sent]")
    page.click("[data-testid=tab-note]")
    page.fill("[data-testid=note-text]", "Rebooked her on SH14 tomorrow 09:40 — send the confirmation by DM")
    page.click("[data-testid=add-note]")
    page.wait_for_selector("[data-testid=note]")
    page.click("[data-testid=tab-reply]")
    page.fill(
        "[data-testid=reply-text]",
        "We've rebooked you on SH14 tomorrow at 09:40. Check your DMs for the new boarding pass!",
    )
    page.wait_for_timeout(5500)  # the audit trail arrives from the stream
    page.screenshot(path=str(DOCS / "console-ticket.png"), full_page=True)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "--rootdir", str(DOCS.parent)]))
