"""The scripted-day runner behind `make demo`, on a short morning: every mention becomes a ticket, a
surge opens one incident, answered tickets never escalate, an unanswered one breaches, and the SLA
report agrees with the replies the agents made."""

from __future__ import annotations

from datetime import datetime

import pytest

from local.scripted_day import (
    DayResult,
    FacebookComment,
    MessengerMessage,
    Reply,
    Resolve,
    Review,
    Script,
    Tweet,
    WhatsAppMessage,
    XDirectMessage,
    endpoint_of,
    run_day,
)

SORRY = "We're sorry: the SH 1190 bags are on tonight's flight."
#: 10 complaints in 6 minutes: the 10th reaches the surge threshold (10 per 15 min) and opens the incident
SURGE_TIMES = ("09:00", "09:00", "09:01", "09:01", "09:02", "09:02", "09:03", "09:03", "09:04", "09:05")
SURGE: Script = [
    (at, Tweet(f"bag{n}", f"flyer{n}", f"@SkyHighAir you lost my bag on SH 1190, nobody helps #{n}"))
    for n, at in enumerate(SURGE_TIMES)
]
SHORT_DAY: Script = [
    ("08:00", Tweet("ignored", "pat_q", "@SkyHighAir SH 214 from Denver was cancelled and nobody tells us anything. Worst airline ever", team="customer-care")),  # noqa: E501
    ("08:05", Tweet("answered", "danaflies", "@SkyHighAir booking K7PQ2M was cancelled twice this week. Can you rebook me?", team="customer-care")),  # noqa: E501
    ("08:10", XDirectMessage("dm", "tomasherrera", "Tomás", "Hi, can I take my guitar as cabin baggage on SH 88 tomorrow?", team="customer-care")),  # noqa: E501
    ("08:12", FacebookComment("fb", "Grace Adeyemi", "It has been 5 weeks and my refund for booking QX7PLM is still missing. Who can help?", team="billing")),  # noqa: E501
    ("08:20", Reply("answered", "ann", "So sorry, Dana: you're rebooked on SH 230 tonight.")),
    ("08:25", Reply("dm", "ben", "Yes, a guitar in a soft case is fine as your cabin bag.")),
    ("08:30", Resolve("dm", "ben")),
    ("08:40", MessengerMessage("messenger", "Lena Kowal", "Is there any update on my lost bag, file EWRSH48213?", team="customer-care")),  # noqa: E501
    ("08:45", Review("review", "Priya N.", "Rude staff", "The staff at the Newark desk were rude and unhelpful.", 1, team="customer-care")),  # noqa: E501
    ("08:50", WhatsAppMessage("whatsapp", "Ravi Menon", "447700900321", "Can you add wheelchair assistance to booking HJ3K9Q for my father?", team="trust-safety")),  # noqa: E501
    ("08:55", Reply("fb", "cleo", "Grace, your refund for QX7PLM was approved today.")),
    ("09:00", Reply("messenger", "ann", "Found it, Lena: the bag arrives tonight.")),
    *SURGE,
    ("09:15", Reply("bag9", "finn", SORRY)),
    ("09:20", Reply("bag0", "finn", SORRY)),  # the first complaint of the surge is the crisis team's too
    ("09:30", Reply("review", "ann", "Priya, we're sorry: the Newark station manager will call you today.")),
]  # fmt: skip
START, END = "08:00", "12:05"  # long enough for the 08:00 normal-priority ticket (240 min) to breach


@pytest.fixture(scope="module")
def day() -> DayResult:
    return run_day(SHORT_DAY, start=START, end=END, out=lambda line: None)


def escalated_ids(day: DayResult) -> set[str]:
    return {n["ticket_id"] for n in day.notifications if n.get("event") == "TicketEscalated"}


def first_replies(day: DayResult) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for reply in day.replies:
        first.setdefault(reply.ticket_id, reply.at)
    return first


def test_the_day_ran_without_surprises_and_every_reply_went_out(day: DayResult) -> None:
    assert day.surprises == []
    assert [r.status for r in day.replies] == ["sent"] * 7
    # one platform request per reply, each on the customer's own channel, all accepted; plus the
    # satisfaction survey once the X DM conversation is resolved (the public ones get none)
    assert day.platform_requests == {
        endpoint_of("/x/2/tweets"): 3,
        endpoint_of("/x/2/dm_conversations/with/1/messages"): 2,
        endpoint_of("/graph/v21.0/1_2/comments"): 1,
        endpoint_of("/graph/v21.0/me/messages"): 1,
        endpoint_of("/generic/callback"): 1,
    }
    assert all(set(statuses) <= {200, 201} for statuses in day.platform_statuses.values())


def test_every_mention_got_a_ticket(day: DayResult) -> None:
    assert len(day.mentions) == 7 + len(SURGE)
    assert all(m.ticket_id for m in day.mentions.values()), day.mentions
    assert {m.ticket_id for m in day.mentions.values()} == set(day.tickets)
    assert len(day.tickets) == len(day.mentions)  # nobody here writes twice in one conversation


def test_the_surge_made_exactly_one_incident(day: DayResult) -> None:
    (incident,) = day.incidents()
    surge = [day.ticket_of(f"bag{n}") for n in range(len(SURGE))]
    assert {t.get("incident_id") for t in surge} - {None} == {incident["incident_id"]}
    # the 10th complaint opened it, and the nine before it joined: all in the crisis team's queue
    assert all(t.get("incident_id") == incident["incident_id"] for t in surge)
    # (those left unanswered past their breach were reassigned on, as the escalation policy says)
    assert {t["team"] for t in surge} <= {"crisis", "escalations"}

    assert sum("⚑ incident" in line for line in day.log) == 1


def test_tickets_answered_in_time_are_never_escalated(day: DayResult) -> None:
    answered = first_replies(day)
    assert len(answered) == 7
    assert not answered.keys() & escalated_ids(day)
    for ticket_id in answered:
        view = day.tickets[ticket_id]
        assert view["ticket"]["max_escalation_level"] == 0 and not view["ticket"]["breached"]
        assert not [e for e in view["events"] if e["type"] == "TicketEscalated"]
        assert view["ticket"]["status"] in ("pending", "resolved")


def test_an_unanswered_normal_ticket_reached_breach(day: DayResult) -> None:
    ticket = day.ticket_of("ignored")
    view = day.tickets[ticket["ticket_id"]]
    assert ticket["response"]["deadline"] == "2026-11-23T12:00:00Z"  # normal: 240 min from 08:00
    assert (ticket["breached"], ticket["response"]["level"], ticket["priority"]) == (True, 2, "high")
    assert ticket["team"] == "customer-care"  # reassign comes 30 min after the breach, after this run
    assert [e["details"]["name"] for e in view["events"] if e["type"] == "TicketEscalated"] == [
        "warning",
        "breach",
    ]
    levels = [n["details"]["name"] for n in day.notifications if n.get("ticket_id") == ticket["ticket_id"]]
    assert levels == ["warning", "breach"]
    assert any(line.startswith("12:00  ✖ breach") for line in day.log)


def test_the_sla_report_matches_the_replies_made(day: DayResult) -> None:
    answered = first_replies(day)
    for team, report in day.reports.items():
        tickets = [v["ticket"] for v in day.tickets.values() if v["ticket"]["team"] == team]
        replied = [t for t in tickets if t["ticket_id"] in answered]
        assert report["tickets"] == len(tickets), team
        assert report["answered"] == len(replied), team
        assert report["still_waiting"] == sum(1 for t in tickets if t.get("response")), team
        assert report["breached"] == sum(1 for t in tickets if t["breached"]), team
    care = day.reports["customer-care"]
    # customer-care's first responses: 'answered' 15 min, dm 15, messenger 20, review 45
    assert (care["answered"], care["first_response_p50_minutes"], care["first_response_p90_minutes"]) == (
        4,
        20.0,
        45.0,
    )
    # the crisis team's: bag9 at 09:05 answered 09:15, bag0 at 09:00 answered 09:20
    assert day.reports["crisis"]["first_response_p50_minutes"] == 10.0

    assert day.reports["billing"]["compliance"] == 1.0


def test_hourly_progress_lines(day: DayResult) -> None:
    hourly = [line for line in day.log if "mentions" in line]
    assert [line[:5] for line in hourly] == ["09:00", "10:00", "11:00", "12:00", "12:05"]
    assert hourly[-1].split("mentions")[1].split()[0] == str(len(day.mentions))


def test_the_report_counts_breaches_by_level(day: DayResult) -> None:
    assert day.reports["customer-care"]["breaches_by_level"] == {"level_2": 1}


def test_the_demo_day_itself_runs_without_surprises() -> None:
    # Given the whole scripted day `make demo` plays (its expected teams written beside each message)
    # When it runs from start to end
    result = run_day(out=lambda line: None)
    # Then every message reached the team the script expects and every agent action succeeded
    assert result.surprises == []
