"""local/moto_patches.py changes how fast moto answers, never what it answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_corrections_leave_every_answer_as_plain_moto_gives_it() -> None:
    # Given a table with an index and items of every attribute type, written, paged, updated, deleted
    # When the same calls are answered by plain moto and by moto with the corrections applied
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.moto_answers"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then every answer is the same
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "same", result.stdout
