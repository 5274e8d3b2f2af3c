"""Cold start: each Lambda handler's init (import + the handler attribute) against a bare ``import boto3``.

Every function's ``Handler:`` in template.yaml is initialised as Lambda's init does it: a fresh
interpreter imports the module (running whatever it builds at import time) and looks the handler
up. Each round runs every handler module and a bare ``import boto3`` once, each in its own
interpreter, in a shuffled order; a handler's figure is the median over rounds of its time divided
by that round's boto3 time, so machine noise shared by a round cancels out. The interpreters get the
functions' environment as the template's defaults set it (tracing off, as ``TracingEnabled``).

Run: ``make bench SUITE=cold_start`` or ``PYTHONPATH=functions:. python -m benchmarks cold_start``
(``COLD_START_ROUNDS`` sets the rounds, 15 by default).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local import template as cfn

ROOT = Path(__file__).resolve().parent.parent
BOTO3 = "boto3"
#: the issue's targets (issue 11, item 2): every handler ≤ 1.5x bare boto3, the webhook ≤ 1.2x
TARGET = 1.5
TARGETS = {"socialdesk.handlers.webhook": 1.2}
#: not init, for scale: what the webhook's first delivery adds (parsers, adapters and boto3, loaded on use)
FIRST_DELIVERY = "webhook, first delivery"
FIRST_DELIVERY_MODULES = (
    "socialdesk.handlers.webhook",
    "socialdesk.channels.x",
    "socialdesk.channels.meta",
    "socialdesk.logic.ingest_mention",
    "socialdesk.dal.mentions",
    "socialdesk.dal.raw_archive",
    "socialdesk.dal.secrets",
    "boto3",
)


@dataclass(frozen=True)
class Handler:
    """One handler module of the template and the functions (logical ids) that name it."""

    module: str
    attributes: tuple[str, ...]
    functions: tuple[str, ...]


def handlers(template: dict[str, Any] | None = None) -> list[Handler]:
    """Every handler module named by a function's ``Handler:`` in template.yaml, in template order."""
    template = template or cfn.load()
    found: dict[str, tuple[list[str], list[str]]] = {}
    for logical, resource in cfn.resources(template, "AWS::Serverless::Function").items():
        module, attribute = resource["Properties"]["Handler"].rsplit(".", 1)
        attributes, functions = found.setdefault(module, ([], []))
        attributes.append(attribute)
        functions.append(logical)
    return [Handler(module, tuple(dict.fromkeys(a)), tuple(f)) for module, (a, f) in found.items()]


def function_environment(template: dict[str, Any] | None = None) -> dict[str, str]:
    """The Globals environment the template gives every function, resolved with parameter defaults.

    Variables naming a resource (table, bucket, queue) have no value before deployment and are
    left out: nothing reads them at import time.
    """
    template = template or cfn.load()
    resolver = cfn.Resolver(cfn.parameter_defaults(template), conditions=template.get("Conditions", {}))
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    environment = {}
    for name, value in variables.items():
        try:
            environment[name] = str(resolver.resolve(value))
        except KeyError:
            continue
    return environment


def _init_code(target: Handler | None) -> str:
    """Python source that times one cold init and prints the seconds it took."""
    if target is None:
        body = f"import {BOTO3}"
    else:
        body = "".join(
            f"getattr(__import__({target.module!r}, fromlist=['_']), {attribute!r});"
            for attribute in target.attributes
        )
    return f"import time\nt = time.perf_counter()\n{body}\nprint(time.perf_counter() - t)\n"


def _time_init(code: str, environment: dict[str, str]) -> float:
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


@dataclass(frozen=True)
class Figures:
    """Per handler module: the median same-round ratio to boto3 and the median init time."""

    ratios: dict[str, float]
    milliseconds: dict[str, float]
    boto3_milliseconds: float
    rounds: int
    first_delivery_ratio: float


def measure(rounds: int = 15, seed: int = 11) -> Figures:
    """Interleaved rounds of fresh-interpreter inits; medians of same-round ratios to ``import boto3``."""
    template = cfn.load()
    targets = handlers(template)
    environment = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        **function_environment(template),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
    }
    shuffle = random.Random(seed)
    codes: dict[str, str] = {BOTO3: _init_code(None)} | {t.module: _init_code(t) for t in targets}
    codes[FIRST_DELIVERY] = _init_code(None).replace(
        f"import {BOTO3}", f"import {', '.join(FIRST_DELIVERY_MODULES)}"
    )
    for code in codes.values():  # warm-up: every module's bytecode cached, as for site-packages' boto3
        _time_init(code, environment)
    times: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(rounds):
        order = list(codes)
        shuffle.shuffle(order)
        for name in order:
            times[name].append(_time_init(codes[name], environment))
    ratios = {
        name: statistics.median(h / b for h, b in zip(times[name], times[BOTO3], strict=True))
        for name in codes
    }
    return Figures(
        ratios={t.module: ratios[t.module] for t in targets},
        first_delivery_ratio=ratios[FIRST_DELIVERY],
        milliseconds={t.module: statistics.median(times[t.module]) * 1000 for t in targets},
        boto3_milliseconds=statistics.median(times[BOTO3]) * 1000,
        rounds=rounds,
    )


def main() -> None:
    """Print each handler's cold init against bare boto3, and whether it meets its target."""
    rounds = int(os.environ.get("COLD_START_ROUNDS", "15"))
    figures = measure(rounds)
    print(
        f"== Cold start: handler init ÷ bare `import boto3` ({figures.rounds} interleaved rounds of fresh "
        f"interpreters, medians of same-round ratios; boto3 median {figures.boto3_milliseconds:.0f} ms)"
    )
    by_module = {h.module: h for h in handlers()}
    for module, ratio in figures.ratios.items():
        target = TARGETS.get(module, TARGET)
        verdict = "ok" if ratio <= target else "OVER"
        functions = ", ".join(by_module[module].functions)
        print(
            f"  {module.removeprefix('socialdesk.handlers.'):14s} {ratio:5.2f}x  "
            f"{figures.milliseconds[module]:6.0f} ms  target ≤ {target:.1f}x {verdict:4s}  ({functions})"
        )
    print(
        f"  for scale, not init: the webhook's first delivery loads parsers, adapters and boto3: "
        f"{figures.first_delivery_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
