"""Every README example runs as written: `make serve` is started as the walkthrough says, and each
command of the README's bash blocks is run against it — or listed below with why it cannot run here."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.serving import serve, shell_environment

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: the port the README's examples name, and what the served desk listens on here instead
README_PORT = "127.0.0.1:3000"

#: commands that cannot run in a test, by prefix, and why (each is covered or documented elsewhere)
ELSEWHERE = {
    "make demo": "minutes long; tests/integration/test_scripted_day.py runs its day, CI can run make demo",
    "make test": "this suite itself (and .ci/run)",
    "make test-pythons": "the suite again under other Pythons",
    "make bench": "about 15 minutes of figures (the replay of 5,000 tweets among them), asserting nothing",
    "make fuzz": "half an hour at full size; tests/integration/test_api_fuzz.py runs 200 per route",
    "make events": "tests/contract/test_events.py checks make_events reproduces events/ byte for byte",
    "make checkov": "run by make test",
    "make build": "run by make test (sam build)",
    "make screenshots": "the browser suite's screenshot module (about half a minute)",
    "make console-publish": "needs a deployed stack and AWS credentials",
    "aws ": "needs an AWS account",
    "sam deploy": "needs an AWS account",
    'curl -X POST "https://api.x.com': "X's own API, with a bearer token of yours",
    "PYTHONPATH=functions .venv/bin/python -m socialdesk.tools.redrive --queue-url": "a deployed DLQ",
    "PYTHONPATH=functions .venv/bin/python -m socialdesk.tools.redrive --sweep": "a deployed table",
    "PYTHONPATH=functions .venv/bin/python -m socialdesk.tools.refit --table": (
        "a deployed table and model bucket (tests/integration/test_learning_adapters.py refits on moto)"
    ),
    "make serve": "started once by the `served` fixture, exactly as written (PORT= picks a free port)",
}


def bash_commands(text: str) -> list[str]:
    """The commands of every ```bash block: comment lines dropped, continuations joined, trailing
    comments removed."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", "", block)
        for raw in joined.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            commands.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return commands


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`make serve` as the README starts it, on a free port (its snapshot kept out of the checkout)."""
    desk = serve(["make", "serve"], SNAPSHOT=str(tmp_path_factory.mktemp("serve") / "desk.json.gz"))
    try:
        assert "replies → the local platform server" in desk.banner, desk.banner
        assert "seeded" in desk.banner, desk.banner
        yield desk.address
    finally:
        desk.stop()


def run(command: str, address: str) -> str:
    done = subprocess.run(  # noqa: S602 - the README's own shell commands
        command.replace(README_PORT, address),
        shell=True,
        cwd=ROOT,
        env=shell_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout[-500:], done.stderr[-2000:])
    return done.stdout


def test_every_readme_command_is_run_here_or_says_why_not() -> None:
    runnable = {c for c in bash_commands(README.read_text()) if not any(c.startswith(p) for p in ELSEWHERE)}
    assert runnable == set(RUN), f"add new README commands to RUN or ELSEWHERE: {sorted(runnable ^ set(RUN))}"


def _jwt(output: str) -> None:
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+\n", output), output


def _mention(output: str) -> None:
    found = json.loads(output)
    assert (
        found["mention"]["author"]["handle"] == "ann_travels"
        and found["ticket_id"] == "T-f4e6c05d16fecb075e12"
    )


def _queue(output: str) -> None:
    page = json.loads(output)
    assert page["team"] == "customer-care" and 0 < len(page["tickets"]) <= 5


def _reply(output: str) -> None:
    outcome = json.loads(output)
    assert (outcome["ticket_id"], outcome["status"]) == ("T-f4e6c05d16fecb075e12", "sent"), outcome


def _help(output: str) -> None:
    assert "--queue-url" in output and "--sweep" in output


def _refit_help(output: str) -> None:
    assert "--table" in output and "--rollback" in output and "--dry-run" in output


#: each runnable README command, and what its output must show
RUN = {
    "make token TEAMS=customer-care,billing ROLE=agent": _jwt,
    'curl -H "authorization: Bearer $(make -s token TEAMS=customer-care)" '
    "http://127.0.0.1:3000/mentions/x/7163352614074941899": _mention,
    'curl -H "authorization: Bearer $(make -s token TEAMS=customer-care)" '
    '"http://127.0.0.1:3000/tickets?team=customer-care&limit=5"': _queue,
    'curl -X POST -H "authorization: Bearer $(make -s token TEAMS=customer-care)" '
    '-H "content-type: application/json" -H "idempotency-key: walkthrough-1" '
    '-d \'{"text": "So sorry Ann, we are rebooking you now."}\' '
    "http://127.0.0.1:3000/tickets/T-f4e6c05d16fecb075e12/replies": _reply,
    "PYTHONPATH=functions .venv/bin/python -m socialdesk.tools.redrive --help": _help,
    "PYTHONPATH=functions .venv/bin/python -m socialdesk.tools.refit --help": _refit_help,
}


@pytest.mark.parametrize("command", list(RUN), ids=[c[:40] for c in RUN])
def test_the_readme_command_runs_as_written(served: str, command: str) -> None:
    RUN[command](run(command, served))


def test_the_served_desk_has_the_console_and_swagger(served: str) -> None:
    with urllib.request.urlopen(f"http://{served}/") as page:
        assert b"/console/js/main.js" in page.read()
    with urllib.request.urlopen(f"http://{served}/swagger") as swagger:
        assert b"SwaggerUIBundle" in swagger.read()


def test_the_python_signing_snippet_runs() -> None:
    (snippet,) = [
        b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if "hmac" in b
    ]
    scope: dict[str, object] = {"secret": "dev-generic-webhook-secret", "body": b'{"id": "1"}'}
    exec(snippet, scope)  # noqa: S102 - the README's own example
    header = scope["headers"]["X-SocialDesk-Signature"]  # type: ignore[index]
    t = int(header.split(",")[0][2:])
    expected = hmac.new(b"dev-generic-webhook-secret", f"{t}.".encode() + b'{"id": "1"}', hashlib.sha256)
    assert header == f"t={t},v1={expected.hexdigest()}"
