"""SSM Parameter Store adapter for secrets (SecureString), cached by powertools; misses are cached too.

Secrets are split by purpose under the stack prefix (``/socialdesk/<Stage>``), so that IAM can give
each function only the half it needs:

* ``inbound/...``  — what verifies platforms' webhooks (the webhook function only):
  ``inbound/x/consumer-secret``, ``inbound/meta/app-secret``, ``inbound/meta/verify-token``,
  ``inbound/generic/<source>/secret``;
* ``outbound/<platform>/<account>/...`` — what sends replies as a brand account (the agent API and
  the retry sender only), with ``default`` as the account used when the brand account has no
  credentials of its own (see :func:`outbound`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from socialdesk.domain.errors import StorageUnavailable

INBOUND = "inbound"
OUTBOUND = "outbound"
#: the account whose outbound credentials apply when a brand account has none of its own
DEFAULT_ACCOUNT = "default"
#: one SSM path segment: platform account ids (X user ids, Page ids, phone number ids), source names
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
#: how many distinct missing names are remembered before the negative cache starts over
_MAX_MISSES = 1024


def inbound(name: str) -> str:
    """The name (relative to the stack prefix) of an inbound secret, e.g. ``inbound("x/consumer-secret")``."""
    return f"{INBOUND}/{name}"


def outbound(platform: str, account: str, name: str) -> str:
    """The name of a brand account's outbound credential: ``outbound/<platform>/<account>/<name>``.

    Raises
    ------
    ValueError
        When ``account`` is not a single path segment of ``A-Z a-z 0-9 _ . -``.
    """
    if account != DEFAULT_ACCOUNT and not _ACCOUNT.match(account):
        raise ValueError("account must be 1-128 characters of A-Z, a-z, 0-9, '_', '.' or '-'")
    return f"{OUTBOUND}/{platform}/{account}/{name}"


class SsmSecretSource:
    """Reads ``<prefix>/<name>`` with decryption and a cache of ``max_age`` seconds.

    A name that does not exist is remembered as missing for ``max_age`` seconds as well (negative
    caching): a flood of requests naming absent secrets costs one ``GetParameter`` per name and
    cache period, not one per request.

    Parameters
    ----------
    client
        A boto3 SSM client (injected into powertools' ``SSMProvider``).
    prefix
        Parameter path prefix, e.g. ``/socialdesk/prod``.
    max_age
        Seconds a value (or its absence) is cached in the execution environment.
    clock
        Monotonic seconds (tests inject one).
    """

    def __init__(
        self, client: Any, prefix: str, max_age: int = 300, clock: Callable[[], float] = time.monotonic
    ) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self._provider = SSMProvider(boto3_client=client)
        self._prefix = prefix.rstrip("/")
        self._max_age = max_age
        self._clock = clock
        self._missing: dict[str, float] = {}

    def get(self, name: str) -> str | None:
        """The decrypted value of ``<prefix>/<name>``, or None when the parameter does not exist."""
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        now = self._clock()
        if self._missing.get(name, now) > now:
            return None
        try:
            value = self._provider.get(f"{self._prefix}/{name}", decrypt=True, max_age=self._max_age)
        except GetParameterError as error:
            if "ParameterNotFound" in repr(error.__cause__) or "ParameterNotFound" in str(error):
                self._remember_missing(name, now)
                return None
            raise StorageUnavailable("secret store unavailable") from None
        self._missing.pop(name, None)
        return str(value) if value is not None else None

    def _remember_missing(self, name: str, now: float) -> None:
        if self._max_age <= 0:
            return
        if len(self._missing) >= _MAX_MISSES:
            self._missing.clear()
        self._missing[name] = now + self._max_age


__all__ = ["DEFAULT_ACCOUNT", "INBOUND", "OUTBOUND", "SsmSecretSource", "inbound", "outbound"]
