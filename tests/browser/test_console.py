"""The console in a real browser (Debian's Chromium, Playwright) against the seeded local desk: sign in,
work the queue, reply with a canned response, add a note, assign, merge, resolve, see the report."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Console, Screens
from tests.support.routing import call


def sign_in(
    screens: Screens,
    console: Console,
    *,
    name: str = "ann",
    teams: tuple[str, ...] = ("customer-care",),
    role: str = "agent",
) -> Any:
    page = screens.page
    page.goto(console.url + "/")
    page.wait_for_selector("[data-testid=signin-form]")
    page.fill("input[name=subject]", name)
    page.select_option("select[name=role]", role)
    for box in page.query_selector_all("input[name=team]"):
        box.set_checked(box.get_attribute("value") in teams)
    screens.saw("sign-in")
    page.click("[data-testid=signin]")
    page.wait_for_selector("[data-testid=queue-row]")
    return page


def open_ticket_of(page: Any, handle: str, nth: int = 0) -> None:
    page.locator("[data-testid=queue-row]", has_text=handle).nth(nth).click()
    page.wait_for_selector("[data-testid=timeline] li")


def test_sign_in_and_work_the_queue(screens: Screens, console: Console) -> None:
    page = sign_in(screens, console)
    screens.saw("queue")
    expect(page.get_by_test_id("me")).to_contain_text("ann · agent · customer-care")
    expect(page.get_by_test_id("availability")).to_have_text("Away")  # until the agent goes online
    rows = page.get_by_test_id("queue-row")
    total = rows.count()
    assert total >= 5
    # every row shows its channel and a live countdown, green while inside the target
    assert page.locator("[data-testid=queue-row] svg.icon").count() == total
    first = page.get_by_test_id("sla").first
    expect(first).to_have_attribute("data-state", "ok")
    before = int(first.get_attribute("data-seconds") or 0)
    page.wait_for_timeout(1500)
    assert int(first.get_attribute("data-seconds") or 0) < before  # it counts down without a reload
    # filters: channel and assignee narrow the queue client-side
    page.select_option("[data-testid=filter-channel]", "x")
    x_rows = rows.count()
    assert 0 < x_rows < total
    assert page.locator("[data-testid=queue-row] svg.ch-x").count() == x_rows
    page.select_option("[data-testid=filter-channel]", "")
    page.select_option("[data-testid=filter-assignee]", "me")
    expect(rows).to_have_count(0)
    page.select_option("[data-testid=filter-assignee]", "")
    expect(rows).to_have_count(total)


def test_sla_countdown_turns_amber_at_the_warning_and_red_at_the_breach(
    screens: Screens, console: Console
) -> None:
    page = sign_in(screens, console)
    states = page.evaluate(
        """async () => {
          const { slaState } = await import('/console/js/ui.js');
          const now = Date.parse('2026-11-23T10:00:00Z');
          const clock = (start, deadline) =>
            ({ status: 'open', response: { started_at: start, deadline, level: 0 } });
          return [
            slaState(clock('2026-11-23T09:50:00Z', '2026-11-23T10:50:00Z'), now).state,
            slaState(clock('2026-11-23T09:00:00Z', '2026-11-23T10:10:00Z'), now).state,
            slaState(clock('2026-11-23T08:00:00Z', '2026-11-23T09:59:00Z'), now).state,
            slaState({ status: 'pending', response: null }, now).state,
          ];
        }"""
    )
    assert states == ["ok", "warning", "breach", "none"]


def test_reply_with_a_canned_response_note_assign_merge_and_resolve(
    screens: Screens, console: Console
) -> None:
    page = sign_in(screens, console)
    open_ticket_of(page, "@ann_travels")
    screens.saw("ticket")
    # the customer's message and the stranger's, clearly marked as context
    expect(page.get_by_test_id("msg-customer").first).to_contain_text("@ann_travels")
    context = page.get_by_test_id("msg-context")
    if context.count():
        expect(context.first).to_contain_text("context")
    # assign to me, then to Bob (online in the team: the picker lists the roster)
    page.click("[data-testid=assign-me]")
    expect(page.locator(".details")).to_contain_text("Assignee")
    expect(page.locator(".details dd").nth(3)).to_have_text("ann")
    call(console.gateway, "PUT", "/agents/me/availability", {"status": "online"}, subject="bob")
    page.reload()
    page.wait_for_selector("[data-testid=assign-agent] option[value=bob]", state="attached")
    page.select_option("[data-testid=assign-agent]", "bob")
    page.click("[data-testid=assign-agent] + button")
    expect(page.locator(".details dd").nth(3)).to_have_text("bob")
    # a canned response, filled in for this customer and agent; the channel's limit shown
    page.select_option("[data-testid=canned]", label="Sorry — looking into it")
    reply_text = page.get_by_test_id("reply-text")
    expect(reply_text).to_have_value(re.compile(r"^Hi @ann_travels, I'm so sorry .* — ann$"))
    expect(page.get_by_test_id("counter")).to_have_text(re.compile(r"^\d+ / 280$"))
    sent_before = len(console.platforms.requests)
    page.click("[data-testid=send-reply]")
    expect(page.get_by_test_id("reply").last).to_have_attribute("data-status", "sent")
    expect(page.get_by_test_id("delivery").last).to_contain_text("/x/2/tweets")
    assert len(console.platforms.requests) == sent_before + 1
    # an internal note: shown as a note, never sent
    page.click("[data-testid=tab-note]")
    page.fill("[data-testid=note-text]", "Rebooked on SH14 — call back at 5")
    page.click("[data-testid=add-note]")
    expect(page.get_by_test_id("note").last).to_contain_text("Rebooked on SH14")
    assert len(console.platforms.requests) == sent_before + 1
    screens.saw("ticket-worked")
    # merge into Ann's other ticket (suggested: same customer), which then holds both conversations
    merge_into = page.get_by_test_id("merge-into").input_value()
    assert merge_into.startswith("T-")
    page.click("[data-testid=merge]")
    page.wait_for_url(re.compile(rf"#/tickets/{re.escape(merge_into)}$"))
    expect(page.get_by_test_id("msg-customer")).to_have_count(2)
    expect(page.get_by_test_id("audit")).to_contain_text("TicketMerged", timeout=15_000)  # from the stream
    screens.saw("merged")
    # resolve: the clock stops, reopen is offered
    page.click("[data-testid=resolve]")
    expect(page.locator(".badges")).to_contain_text("resolved")
    expect(page.get_by_test_id("reopen")).to_be_visible()


def test_a_reply_whose_answer_is_lost_is_sent_again_under_the_same_key_and_posted_once(
    screens: Screens, console: Console
) -> None:
    page = sign_in(screens, console)
    open_ticket_of(page, "@leo_p")
    answered: list[int] = []

    def lose_the_first_answer(route: Any) -> None:
        response = route.fetch()  # the desk records and sends the reply ...
        answered.append(response.status)
        if len(answered) == 1:  # ... and its answer is lost on the way back as a 503
            route.fulfill(status=503, json={"error": "storage_unavailable", "reason": "lost"})
        else:
            route.fulfill(response=response)

    page.route(re.compile(r".*/tickets/[^/]+/replies$"), lose_the_first_answer)
    sent_before = len(console.platforms.requests)
    page.fill("[data-testid=reply-text]", "Leo, seat 14A is yours for SH12 tomorrow.")
    page.click("[data-testid=send-reply]")
    expect(page.get_by_test_id("reply").last).to_have_attribute("data-status", "sent")
    assert len(answered) == 2 and answered[0] == answered[1] == 201  # the repeat got the first outcome
    assert len(console.platforms.requests) == sent_before + 1  # posted once
    page.unroute(re.compile(r".*/tickets/[^/]+/replies$"))


def test_the_report_shows_charts(screens: Screens, console: Console) -> None:
    page = sign_in(screens, console)
    page.click("nav >> text=Reports")
    page.wait_for_selector("[data-testid=chart-first-response]")
    screens.saw("reports")
    for chart in ("chart-first-response", "chart-team", "chart-agent", "chart-breaches", "chart-csat"):
        expect(page.get_by_test_id(chart)).to_be_visible()
    assert page.locator("[data-testid=chart-first-response] rect").count() == 7
    expect(page.locator(".report table")).to_contain_text("customer-care")


def surge(console: Console, count: int = 11) -> None:
    """A pile-up of the same complaint (the default policy's surge threshold is 10): one incident."""
    from tests.support.platforms import post_x
    from tests.support.routing import tweet

    for i in range(count):
        payload = tweet(
            300 + i,
            f"@SkyHighAir the app is down again, cannot check in #{i}",
            user=str(900 + i),
            handle=f"s{i}",
        )
        payload["tweet_create_events"][0]["created_at"] = datetime.now(UTC).strftime(
            "%a %b %d %H:%M:%S +0000 %Y"
        )
        assert post_x(console.gateway, payload).status == 200


def test_an_incident_with_its_tickets_gets_one_reply_to_all(screens: Screens, console: Console) -> None:
    surge(console)
    page = sign_in(screens, console, name="finn", teams=("crisis",))
    page.click("nav >> text=Incidents")
    page.wait_for_selector("[data-testid=incident]", timeout=20_000)
    screens.saw("incidents")
    page.click("[data-testid=incident]")
    page.wait_for_selector("[data-testid=incident-text]")
    rows = page.locator("table.queue tbody tr")
    expect(rows).not_to_have_count(0)
    linked = rows.count()
    assert linked >= 11  # the surge, and the seed's earlier complaint about the app joins it
    screens.saw("incident")
    sent_before = len(console.platforms.requests)
    page.fill("[data-testid=incident-text]", "The app is back — sorry for the trouble!")
    page.click("[data-testid=incident-reply]")
    expect(page.locator(".toast").last).to_contain_text(f"Queued {linked} replies")
    deadline = time.monotonic() + 20
    while len(console.platforms.requests) < sent_before + linked and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(console.platforms.requests) == sent_before + linked  # once each, from the stream


def test_a_follow_up_is_refused_with_the_platforms_reason(screens: Screens, console: Console) -> None:
    page = sign_in(screens, console)
    page.click("[data-testid=outreach-open]")
    dialog = page.get_by_test_id("outreach-dialog")
    dialog.locator("select[name=channel]").select_option("whatsapp")
    dialog.locator("input[name=customer_id]").fill("351900000009")
    dialog.locator("input[name=brand_account]").fill(console.platforms.phone_number_id)
    dialog.locator("textarea[name=text]").fill("Your order was delivered — all good?")
    screens.saw("outreach")
    page.click("[data-testid=outreach-send]")
    expect(page.get_by_test_id("outreach-problem")).to_contain_text("template")


def test_going_online_takes_the_teams_waiting_tickets_round_robin(screens: Screens, console: Console) -> None:
    page = sign_in(screens, console, name="cleo", teams=("billing",))
    rows = page.get_by_test_id("queue-row")
    waiting = rows.count()
    assert waiting >= 2
    page.select_option("[data-testid=filter-assignee]", "me")
    expect(rows).to_have_count(0)
    page.click("[data-testid=availability]")
    expect(page.get_by_test_id("availability")).to_have_text("Online")
    expect(page.locator(".toast").last).to_contain_text("waiting tickets assigned")
    page.reload()
    page.wait_for_selector("[data-testid=queue-row]")
    page.select_option("[data-testid=filter-assignee]", "me")
    expect(rows).to_have_count(waiting)  # billing is round robin, and cleo is its only agent online
    screens.saw("online")


#: the console's own files must stay small: no framework, no build step (checked, not a wall-clock figure)
PAGE_BUDGET_BYTES = 120_000


def test_page_weight_and_load_time(screens: Screens, console: Console) -> None:
    page = screens.page
    sign_in(screens, console)  # a session in this tab, then a cold load of the queue
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body()) if r.ok else 0))
    page.reload()
    page.wait_for_selector("[data-testid=queue-row]")
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, now: performance.now()}; }"
    )
    assets = {u: n for u, n in sizes.items() if "/console/" in u or u.endswith("/")}
    api = {u: n for u, n in sizes.items() if u not in assets}
    weight = sum(assets.values())
    print(
        f"\nconsole page weight: {weight / 1024:.1f} KiB in {len(assets)} files (uncompressed), "
        f"API JSON {sum(api.values()) / 1024:.1f} KiB in {len(api)} calls; "
        f"DOMContentLoaded {timing['dcl']:.0f} ms, load {timing['load']:.0f} ms, "
        f"queue shown {timing['now']:.0f} ms after navigation (local stack)"
    )
    assert weight < PAGE_BUDGET_BYTES


def test_correct_routing_teaches_the_model_without_changing_the_ticket(
    screens: Screens, console: Console
) -> None:
    page = sign_in(screens, console)
    page.get_by_test_id("queue-row").first.click()
    page.wait_for_selector("[data-testid=correct-routing]")
    ticket_id = page.url.rsplit("/", 1)[-1]
    team_before = page.locator(".details dd").nth(1).inner_text()
    # the agent says the intent was a question, then that it is not spam: each stored once
    page.select_option("[data-testid=correct-intent]", "question")
    page.click("[data-testid=correct-intent-save]")
    expect(page.get_by_test_id("correction-saved")).to_have_text("Saved: intent → question (by ann)")
    page.click("[data-testid=correct-not-spam]")
    expect(page.get_by_test_id("correction-saved")).to_have_text("Saved: not spam (by ann)")
    with page.expect_response(lambda r: r.url.endswith("/corrections")) as again:
        page.click("[data-testid=correct-not-spam]")  # a second click: the same correction, nothing new
    assert again.value.status == 201
    screens.saw("corrected")
    # a team correction needs a team: nothing is sent without one
    page.click("[data-testid=correct-team-save]")
    stored = corrections_of(console, ticket_id)
    assert sorted((c["kind"], c.get("corrected_intent")) for c in stored) == [
        ("intent", "question"),
        ("not_spam", None),
    ]
    assert all(c["agent"] == "ann" for c in stored)
    # the ticket itself is where it was
    expect(page.locator(".details dd").nth(1)).to_have_text(team_before)


def corrections_of(console: Console, ticket_id: str) -> list[dict[str, Any]]:
    from socialdesk.dal.items import from_attributes

    stack = console.gateway.stack
    items = stack.client("dynamodb").scan(TableName=stack.environment["TABLE_NAME"])["Items"]
    found = [from_attributes(i) for i in items if i["PK"]["S"].startswith("CORRECTION#")]
    return [f["correction"] for f in found if f["correction"]["ticket_id"] == ticket_id]
