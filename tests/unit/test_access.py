"""Claims → Principal: the shapes API Gateway's JWT authorizer hands a function."""

from __future__ import annotations

import pytest

from socialdesk.domain.access import Forbidden, NotAuthenticated, Role, principal_from_claims


@pytest.mark.parametrize(
    ("teams", "expected"),
    [
        ("[care billing]", {"care", "billing"}),  # API Gateway flattens arrays like this
        (["care", "billing"], {"care", "billing"}),
        ('["care","billing"]', {"care", "billing"}),  # a JSON array sent as a string
        ("care", {"care"}),
        ("[]", set()),
        (None, set()),
        # one string is one team name: "ops billing" is not a valid name and grants nothing
        ("ops billing", set()),
        ("ops,billing", set()),
        (["ops billing"], set()),
        (["Care", "../admin", "", 7], set()),
        ("[care BILLING]", {"care"}),
    ],
)
def test_teams_claim_in_every_shape(teams: object, expected: set[str]) -> None:
    principal = principal_from_claims({"sub": "u1", "role": "agent", "teams": teams})
    assert principal.teams == frozenset(expected)
    assert principal.role is Role.AGENT


def test_agent_sees_only_their_teams_and_admin_sees_all() -> None:
    agent = principal_from_claims({"sub": "u1", "role": "agent", "teams": "[care]"})
    admin = principal_from_claims({"sub": "u2", "role": "ADMIN", "teams": "[]"})
    assert agent.can_see_team("care") and not agent.can_see_team("billing") and not agent.can_see_team(None)
    assert admin.can_see_team("billing")


def test_missing_claims_or_subject_is_not_authenticated() -> None:
    with pytest.raises(NotAuthenticated):
        principal_from_claims(None)
    with pytest.raises(NotAuthenticated):
        principal_from_claims({"role": "agent"})


def test_unknown_role_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        principal_from_claims({"sub": "u1", "role": "guest"})
