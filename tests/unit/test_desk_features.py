"""The desk's features on in-memory fakes: assignment, notes, merge, canned responses, CSAT, outreach,
the desk report. Given / When / Then, no moto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.assignment import (
    AgentState,
    AssignmentMode,
    Availability,
    TeamAssignment,
    choose_agent,
)
from socialdesk.domain.errors import Conflict, Unprocessable
from socialdesk.domain.mention import Channel, Mention
from socialdesk.domain.outreach import OutboundTemplate, csat_rating, may_start
from socialdesk.domain.ticket import CloseReason, Ticket, TicketStatus
from socialdesk.logic.assignment import AgentPicker, AvailabilityChange, assign_if_needed, set_availability
from socialdesk.logic.canned import CannedRequest, canned_for_ticket, save_canned
from socialdesk.logic.csat import resolve_with_survey
from socialdesk.logic.escalate_overdue import escalate_overdue
from socialdesk.logic.merge import MergeRequest, merge
from socialdesk.logic.outreach import OutreachRefused, OutreachRequest, start_outreach
from socialdesk.logic.reports import summarise_desk
from socialdesk.logic.respond import NoteRequest, ResolveRequest, add_note
from tests.support.fakes import NOW, FakeAgents, FakeCanned
from tests.unit.test_conversations import COMPLAINT, Desk, dm, tweet

ANN = Principal(subject="ann", teams=frozenset({"customer-care"}), role=Role.AGENT)
LEAD = Principal(subject="lee", teams=frozenset({"customer-care"}), role=Role.LEAD)


def complaint(desk: Desk, handle: str = "erin", *, private: bool = False, text: str = COMPLAINT) -> Ticket:
    mention = dm(text, handle=handle) if private else tweet(text, handle=handle)
    desk.receive(mention)
    return desk.ticket_of(mention)


def picker(desk: Desk, agents: FakeAgents) -> AgentPicker:
    return AgentPicker(agents=agents, tickets=desk.tickets, policy=desk.policy)


# -- assignment ----------------------------------------------------------------------------------------
def test_round_robin_takes_the_agent_assigned_longest_ago_and_least_open_the_least_busy() -> None:
    roster = [
        AgentState(subject="a", team="t", last_assigned_at=NOW),
        AgentState(subject="b", team="t", last_assigned_at=NOW - timedelta(minutes=5)),
        AgentState(subject="c", team="t", availability=Availability.AWAY),
    ]
    round_robin = TeamAssignment(mode=AssignmentMode.ROUND_ROBIN)
    assert choose_agent(round_robin, roster, {}) == "b"
    least = TeamAssignment(mode=AssignmentMode.LEAST_OPEN, max_open_per_agent=3)
    assert choose_agent(least, roster, {"a": 1, "b": 2}) == "a"
    assert choose_agent(least, roster, {"a": 3, "b": 3}) is None  # everyone at the cap
    capped = [roster[0].model_copy(update={"cap": 1}), roster[1]]
    assert choose_agent(least, capped, {"a": 1, "b": 2}) == "b"  # a's own cap is lower
    assert choose_agent(TeamAssignment(), roster, {}) is None  # manual


def test_with_nobody_of_its_team_online_a_new_ticket_is_not_read_and_then_is_assigned_as_before() -> None:
    # Given customer-care assigns least-open, nobody online, and a store that counts ticket reads
    desk, agents = Desk(), FakeAgents()
    first = complaint(desk, "erin")
    reads: list[str] = []
    counted = desk.tickets.get

    def get(ticket_id: str) -> Any:
        reads.append(ticket_id)
        return counted(ticket_id)

    desk.tickets.get = get  # type: ignore[method-assign]
    # When the outbox asks for an agent, naming the team the ticket's change was stored in
    chosen = assign_if_needed(
        first.ticket_id, NOW, tickets=desk.tickets, picker=picker(desk, agents), team=first.team
    )
    # Then nobody is chosen and the ticket was not even read
    assert chosen is None and reads == []
    # When Ann comes online, Then the same call reads it once and gives it to her
    agents.online("customer-care", "ann")
    chosen = assign_if_needed(
        first.ticket_id, NOW, tickets=desk.tickets, picker=picker(desk, agents), team=first.team
    )
    assert chosen == "ann" and reads == [first.ticket_id]
    # And a ticket moved since its change was stored is assigned in the team it is in now
    second = complaint(desk, "finn")
    moved = desk.tickets.get(second.ticket_id)
    assert moved is not None
    desk.tickets.save(moved.move("billing", "lead", NOW, desk.policy))
    agents.online("billing", "bea")
    chosen = assign_if_needed(
        second.ticket_id, NOW, tickets=desk.tickets, picker=picker(desk, agents), team="customer-care"
    )
    assert chosen == "bea"  # billing assigns round robin


def test_a_new_ticket_in_a_least_open_team_goes_to_an_available_agent_and_is_audited() -> None:
    # Given customer-care assigns least-open, with two agents online, one already busier
    desk, agents = Desk(), FakeAgents()
    agents.online("customer-care", "ann", "bob")
    first = complaint(desk, "erin")
    assert assign_if_needed(first.ticket_id, NOW, tickets=desk.tickets, picker=picker(desk, agents)) == "ann"
    # When another complaint arrives
    second = complaint(desk, "finn")
    agent = assign_if_needed(second.ticket_id, NOW, tickets=desk.tickets, picker=picker(desk, agents))
    # Then it goes to the agent with fewer open tickets, and the assignment is audited with the rule
    assert agent == "bob"
    event = desk.tickets.audit[second.ticket_id][-1]
    assert (event.type, event.actor, event.details["reason"]) == (
        "TicketAssigned",
        "system:assignment",
        "least_open",
    )


def test_going_away_hands_open_tickets_to_another_agent_or_back_to_the_queue() -> None:
    desk, agents = Desk(), FakeAgents()
    agents.online("customer-care", "ann", "bob")
    tickets = [complaint(desk, h) for h in ("erin", "finn", "gail")]
    for t in tickets:
        desk.tickets.save(desk.tickets.get(t.ticket_id).assign("ann", "ann", NOW))  # type: ignore[union-attr]
    # When Ann goes away
    changed = set_availability(
        ANN,
        "me",
        AvailabilityChange(status=Availability.AWAY),
        NOW,
        agents=agents,
        tickets=desk.tickets,
        picker=picker(desk, agents),
    )
    # Then her tickets went to Bob (the only one online), each audited with the reason
    assert set(changed.reassigned.values()) == {"bob"}
    assert all(desk.tickets.get(t.ticket_id).assignee == "bob" for t in tickets)  # type: ignore[union-attr]
    assert desk.tickets.audit[tickets[0].ticket_id][-1].details["reason"] == "ann went away"
    # and when Bob goes away too, they go back to the queue unassigned
    bob = Principal(subject="bob", teams=frozenset({"customer-care"}), role=Role.AGENT)
    change = AvailabilityChange(status=Availability.AWAY)
    set_availability(bob, "me", change, NOW, agents=agents, tickets=desk.tickets, picker=picker(desk, agents))
    assert all(desk.tickets.get(t.ticket_id).assignee is None for t in tickets)  # type: ignore[union-attr]


def test_agents_change_only_their_own_availability_and_only_leads_set_caps() -> None:
    desk, agents = Desk(), FakeAgents()
    kwargs = {"agents": agents, "tickets": desk.tickets, "picker": picker(desk, agents)}
    with pytest.raises(Forbidden):
        set_availability(ANN, "bob", AvailabilityChange(status=Availability.AWAY), NOW, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        set_availability(ANN, "me", AvailabilityChange(status=Availability.ONLINE, cap=2), NOW, **kwargs)  # type: ignore[arg-type]
    done = set_availability(LEAD, "bob", AvailabilityChange(status=Availability.ONLINE, cap=2), NOW, **kwargs)  # type: ignore[arg-type]
    assert (done.agents[0].subject, done.agents[0].cap, done.agents[0].limit) == ("bob", 2, 2)


def test_the_escalation_reassign_level_gives_the_ticket_to_an_agent_the_team_chooses() -> None:
    # Given the escalations team assigns round robin, with Esme online there
    policy = Desk().policy
    policy = policy.model_copy(
        update={
            "assignment": policy.assignment.model_copy(
                update={
                    "teams": {
                        **policy.assignment.teams,
                        "escalations": TeamAssignment(mode=AssignmentMode.ROUND_ROBIN),
                    }
                }
            )
        }
    )
    desk, agents = Desk(policy), FakeAgents()
    agents.online("escalations", "esme")
    ticket = complaint(desk)
    # When its first response is 31 minutes past the breach (normal: 4 h target)
    run = escalate_overdue(
        NOW + timedelta(hours=4, minutes=31),
        tickets=desk.tickets,
        policy=policy,
        shards=1,
        millis_left=lambda: 60_000,
        picker=picker(desk, agents),
    )
    # Then the reassign level moved it to escalations, to Esme
    escalated = desk.tickets.get(ticket.ticket_id)
    assert escalated is not None and run.escalations["reassign"] == 1
    assert (escalated.team, escalated.assignee) == ("escalations", "esme")


# -- notes ---------------------------------------------------------------------------------------------
def test_a_note_is_audited_with_its_text_and_never_sent() -> None:
    desk = Desk()
    ticket = complaint(desk)
    note = add_note(ANN, ticket.ticket_id, NoteRequest(text="  VIP — call back  "), NOW, tickets=desk.tickets)
    (event,) = [e for e in desk.tickets.audit[ticket.ticket_id] if e.type == "NoteAdded"]
    assert (event.actor, event.details["text"], note.text) == ("ann", "VIP — call back", "VIP — call back")
    assert not event.notify and not desk.tickets.stored_replies
    assert desk.tickets.get(ticket.ticket_id).notes == 1  # type: ignore[union-attr]


# -- merge ---------------------------------------------------------------------------------------------
def test_merging_two_tickets_of_one_customer_combines_them_and_the_loser_redirects() -> None:
    # Given Erin complained in two public threads (two tickets), the second one later and urgent
    desk = Desk()
    first = complaint(desk, "erin")
    later = tweet(
        "@brand this is a safety issue, the seat broke", handle="erin", at=NOW + timedelta(minutes=30)
    )
    desk.receive(later)
    second = desk.ticket_of(later)
    assert first.ticket_id != second.ticket_id
    # When an agent merges the second into the first
    winner = merge(
        ANN.model_copy(update={"teams": frozenset({"customer-care", "trust-safety"})}),
        second.ticket_id,
        MergeRequest(into=first.ticket_id),
        NOW + timedelta(hours=1),
        tickets=desk.tickets,
        policy=desk.policy,
    )
    # Then the winner holds both messages, the more urgent priority and the earlier clock
    assert len(winner.customer_messages) == 2 and winner.merged_from == (second.ticket_id,)
    assert winner.priority.value == "urgent"
    assert winner.response is not None and winner.response.started_at == NOW
    loser = desk.tickets.get(second.ticket_id)
    assert loser is not None and (loser.status, loser.close_reason, loser.merged_into) == (
        TicketStatus.CLOSED,
        CloseReason.MERGED,
        first.ticket_id,
    )
    assert loser.due_at is None
    # and Erin's next message in the loser's thread joins the winner
    follow_up = tweet("@brand hello??", handle="erin", parent=later, at=NOW + timedelta(hours=2))
    desk.receive(follow_up)
    assert desk.ticket_of(follow_up).ticket_id == first.ticket_id


def test_tickets_of_different_customers_do_not_merge() -> None:
    desk = Desk()
    erin, finn = complaint(desk, "erin"), complaint(desk, "finn")
    with pytest.raises(Unprocessable, match="not the same customer"):
        merge(
            ANN,
            erin.ticket_id,
            MergeRequest(into=finn.ticket_id),
            NOW,
            tickets=desk.tickets,
            policy=desk.policy,
        )


# -- canned responses -------------------------------------------------------------------------------------
def test_leads_manage_canned_responses_and_agents_get_them_filled_in() -> None:
    desk, store = Desk(), FakeCanned()
    request = CannedRequest(
        team="customer-care", title="Sorry", text="Hi {{customer.name}}, {{agent.name}} here ({{ticket.id}})."
    )
    with pytest.raises(Forbidden):
        save_canned(ANN, None, request, NOW, store=store)
    created = save_canned(LEAD, None, request, NOW, store=store)
    ticket = complaint(desk, "erin")
    (rendered,) = canned_for_ticket(ANN, ticket.ticket_id, tickets=desk.tickets, store=store).responses
    assert rendered.text == f"Hi @erin, ann here ({ticket.ticket_id})."
    # a stale version is a conflict
    with pytest.raises(Conflict):
        save_canned(LEAD, created.canned_id, request.model_copy(update={"version": 7}), NOW, store=store)
    with pytest.raises(ValueError, match="unknown placeholders"):
        save_canned(LEAD, None, request.model_copy(update={"text": "{{order.id}}"}), NOW, store=store)


# -- CSAT ---------------------------------------------------------------------------------------------------
def test_a_resolved_dm_gets_a_survey_whose_answer_is_stored_without_reopening() -> None:
    desk = Desk()
    ticket = complaint(desk, "dora", private=True, text="where is my refund?? order 1234")
    resolved = resolve_with_survey(
        ANN.model_copy(update={"teams": frozenset({ticket.team})}),
        ticket.ticket_id,
        ResolveRequest(),
        NOW + timedelta(minutes=20),
        tickets=desk.tickets,
        replies=desk.tickets,
        mentions=desk.mentions,
        policy=desk.policy,
    )
    (survey,) = desk.tickets.replies(ticket.ticket_id)
    assert (survey["kind"], survey["private"], survey["text"]) == ("survey", True, desk.policy.csat.text)
    assert resolved.csat is not None and resolved.csat.score is None
    # When Dora answers "4"
    answer = dm("4", handle="dora", at=NOW + timedelta(hours=1))
    outcome = desk.receive(answer)
    # Then the score is stored, the ticket stays resolved
    stored = desk.tickets.get(ticket.ticket_id)
    assert outcome.action == "csat_answered"
    assert stored is not None and stored.status is TicketStatus.RESOLVED and stored.csat.score == 4  # type: ignore[union-attr]
    # and a real message afterwards reopens it as usual
    desk.receive(dm("actually the refund is still missing", handle="dora", at=NOW + timedelta(hours=2)))
    assert desk.tickets.get(ticket.ticket_id).status is TicketStatus.OPEN  # type: ignore[union-attr]


def test_a_public_conversation_gets_no_survey() -> None:
    desk = Desk()
    ticket = complaint(desk)
    resolve_with_survey(
        ANN,
        ticket.ticket_id,
        ResolveRequest(),
        NOW,
        tickets=desk.tickets,
        replies=desk.tickets,
        mentions=desk.mentions,
        policy=desk.policy,
    )
    assert desk.tickets.replies(ticket.ticket_id) == []


@pytest.mark.parametrize(
    ("text", "score"), [("4", 4), ("5/5", 5), (" 2 stars ", 2), ("⭐⭐⭐", 3), ("the 4th", None), ("", None)]
)
def test_survey_answers_are_read_as_scores(text: str, score: int | None) -> None:
    assert csat_rating(text) == score


# -- proactive follow-up ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "hours_since", "template", "allowed", "how"),
    [
        ("whatsapp", 2, None, True, None),
        ("whatsapp", 30, None, False, "template messages outside the 24-hour"),
        ("whatsapp", 30, OutboundTemplate(name="order_update"), True, None),
        ("messenger", 2, None, True, "UPDATE"),
        ("messenger", 72, None, True, "MESSAGE_TAG"),
        ("messenger", 24 * 8, None, False, "within 24 hours"),
        ("facebook", 1, None, False, "cannot start a conversation"),
        ("x", None, None, False, "no DM conversation"),
        ("generic", None, None, True, None),
    ],
)
def test_what_each_platform_lets_the_brand_send_first(
    channel: str, hours_since: int | None, template: OutboundTemplate | None, allowed: bool, how: str | None
) -> None:
    last = NOW - timedelta(hours=hours_since) if hours_since is not None else None
    permission = may_start(
        channel, now=NOW, last_customer_message_at=last, has_dm_conversation=False, template=template
    )
    assert permission.allowed is allowed
    if how:
        assert how in (permission.reason if not allowed else str(permission.messaging_type))


def test_a_follow_up_opens_a_waiting_ticket_and_the_customers_answer_joins_it() -> None:
    desk = Desk()
    request = OutreachRequest(
        channel=Channel.MESSENGER,
        customer_id="u-dora",
        brand_account="brand-1",
        team="customer-care",
        reason="order_delivered",
        text="Your order 1234 was delivered — all good?",
    )
    with pytest.raises(OutreachRefused, match="within 24 hours"):  # Dora never wrote: Messenger refuses
        start_outreach(ANN, request, NOW, tickets=desk.tickets, replies=desk.tickets, policy=desk.policy)
    # Given Dora wrote two days ago and her ticket was resolved
    old = complaint(desk, "dora", private=True, text="where is my parcel")
    desk.tickets.save(desk.tickets.get(old.ticket_id).resolve("answered", "ann", NOW, desk.policy))  # type: ignore[union-attr]
    later = NOW + timedelta(days=2)
    outcome = start_outreach(
        ANN, request, later, tickets=desk.tickets, replies=desk.tickets, policy=desk.policy
    )
    # Then the message goes out with the human-agent tag, on a new ticket waiting on Dora
    assert (outcome.new_ticket, outcome.messaging_type, outcome.tag) == (True, "MESSAGE_TAG", "HUMAN_AGENT")
    ticket = desk.tickets.get(outcome.ticket_id)
    assert (
        ticket is not None and ticket.status is TicketStatus.PENDING and ticket.outreach == "order_delivered"
    )
    (queued,) = desk.tickets.replies(outcome.ticket_id)
    assert (queued["kind"], queued["recipient"], queued["in_reply_to"]) == ("outreach", "u-dora", None)
    # When Dora answers, it joins that ticket and its clock starts
    answer = Mention.model_validate(
        {**dm("yes thanks, arrived", handle="dora", at=later + timedelta(hours=1)).model_dump()}
    )
    desk.receive(answer)
    joined = desk.ticket_of(answer)
    assert joined.ticket_id == outcome.ticket_id and joined.status is TicketStatus.OPEN and joined.response


# -- the desk report -------------------------------------------------------------------------------------
def test_the_desk_report_buckets_first_responses_and_counts_compliance_per_agent_and_day() -> None:
    desk = Desk()
    quick, slow = complaint(desk, "erin"), complaint(desk, "finn")
    policy = desk.policy
    desk.tickets.save(
        desk.tickets.get(quick.ticket_id).reply_delivered("r1", NOW + timedelta(minutes=3), "ann", policy)
    )  # type: ignore[union-attr]
    desk.tickets.save(
        desk.tickets.get(slow.ticket_id).reply_delivered("r2", NOW + timedelta(hours=5), "bob", policy)
    )  # type: ignore[union-attr]
    found = [desk.tickets.get(quick.ticket_id), desk.tickets.get(slow.ticket_id)]
    report = summarise_desk(
        {"customer-care": found},
        NOW - timedelta(days=1),
        NOW + timedelta(days=1),
        policy,
        NOW + timedelta(days=1),
    )  # type: ignore[dict-item]
    buckets = {b.label: b.count for b in report.first_response_distribution}
    assert (buckets["< 5 min"], buckets["4-24 h"]) == (1, 1)
    by_agent = {c.key: (c.met, c.decided) for c in report.compliance_by_agent}
    assert by_agent == {"ann": (1, 1), "bob": (0, 1)}
    (team,) = report.compliance_by_team
    assert (team.key, team.rate) == ("customer-care", 0.5)


def test_a_pick_reads_the_roster_not_the_teams_queue() -> None:
    # Given a team whose queue cannot be read at all (a backlog of any size costs nothing to a pick)
    class Unread:
        def queue(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("a pick read the team's queue")

    agents = FakeAgents()
    agents.online("customer-care", "ann", "bob")
    for n in range(3):
        agents.holds("customer-care", "ann", f"T-{n}")
    chooser = AgentPicker(agents=agents, tickets=Unread(), policy=Desk().policy)  # type: ignore[arg-type]
    # When a ticket needs an agent, Then the one holding fewer open tickets gets it
    assert chooser.pick("customer-care", NOW) == "bob"


def test_each_ticket_change_moves_the_ticket_between_the_agents_who_hold_it() -> None:
    from socialdesk.logic.assignment import track_holder

    agents = FakeAgents()
    agents.online("care", "ann", "bob")

    def held() -> dict[str, frozenset[str]]:
        return {a.subject: a.open_tickets for a in agents.roster("care")}

    open_ann = {"status": "open", "team": "care", "assignee": "ann"}
    track_holder("T-1", None, open_ann, agents=agents)  # assigned when it opened
    track_holder("T-1", None, open_ann, agents=agents)  # the same change delivered again
    assert held() == {"ann": {"T-1"}, "bob": frozenset()}
    pending = {**open_ann, "status": "pending"}
    track_holder("T-1", open_ann, pending, agents=agents)  # waiting on the customer: still Ann's
    assert held()["ann"] == {"T-1"}
    to_bob = {**pending, "assignee": "bob"}
    track_holder("T-1", pending, to_bob, agents=agents)
    assert held() == {"ann": frozenset(), "bob": {"T-1"}}
    track_holder("T-1", to_bob, {**to_bob, "team": "billing"}, agents=agents)  # moved to another team
    assert held() == {"ann": frozenset(), "bob": frozenset()}
    track_holder("T-2", None, {"status": "open", "team": "care", "assignee": "bob"}, agents=agents)
    track_holder(
        "T-2",
        {"status": "open", "team": "care", "assignee": "bob"},
        {"status": "resolved", "team": "care", "assignee": "bob"},
        agents=agents,
    )
    assert held()["bob"] == frozenset()
    # an assignee who is not on the team's roster holds nothing there
    track_holder("T-3", None, {"status": "open", "team": "care", "assignee": "zed"}, agents=agents)
    assert set(held()) == {"ann", "bob"}
