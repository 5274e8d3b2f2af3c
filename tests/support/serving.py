"""Start ``make serve`` (or ``python -m local.serve``) as a user does, wait for its banner, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shell_environment(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: without the make variables of a `make test` around us."""
    inherited = {
        k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    }
    return {**inherited, **extra}


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running desk: its address, its startup banner, and its process (in its own process group)."""

    address: str
    banner: str
    process: subprocess.Popen[str]

    def stop(self, sig: int = signal.SIGINT) -> str:
        """Stop it as a user does (Ctrl-C, or SIGTERM); return what it printed on the way out."""
        os.killpg(self.process.pid, sig)
        try:
            _, rest = self.process.communicate(timeout=180)  # the snapshot of a busy desk takes a while
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        return rest or ""


def serve(command: list[str], **env: str) -> Served:
    """Start ``command`` on a free port with ``env`` added; return once it printed "Ctrl-C stops"."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command,
        cwd=ROOT,
        env=shell_environment(PORT=str(port), QUIET="1", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    banner: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(f"{' '.join(command)} exited: {''.join(banner)}")
        banner.append(line)
        if "Ctrl-C stops" in line:
            return Served(f"127.0.0.1:{port}", "".join(banner), process)
    os.killpg(process.pid, signal.SIGKILL)
    raise TimeoutError(f"{' '.join(command)} did not start: {''.join(banner)}")
