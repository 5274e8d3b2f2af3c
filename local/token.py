"""Mint a local agent JWT (HS256, the dev key) carrying ``teams`` and ``role`` claims."""

from __future__ import annotations

import argparse
import time

import jwt

from local import devsecrets
from local.template import load, parameter_defaults


def mint(teams: list[str], role: str = "agent", subject: str = "local-agent", ttl: int = 3600) -> str:
    """A token the local gateway accepts for the template's issuer and audience."""
    params = parameter_defaults(load())
    now = int(time.time())
    claims = {
        "sub": subject,
        "iss": params["JwtIssuer"],
        "aud": params["JwtAudience"],
        "iat": now,
        "exp": now + ttl,
        "teams": teams,
        "role": role,
    }
    return jwt.encode(claims, devsecrets.JWT_DEV_KEY, algorithm="HS256")


def main() -> None:
    """Print only the token (for scripts): ``make token TEAMS=a,b ROLE=agent``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", default="", help="comma-separated team names")
    parser.add_argument("--role", default="agent", choices=["agent", "lead", "admin"])
    parser.add_argument("--subject", default="local-agent")
    args = parser.parse_args()
    teams = [t.strip() for t in args.teams.split(",") if t.strip()]
    print(mint(teams, args.role, args.subject))


if __name__ == "__main__":
    main()
