"""Faults injected into the local stack the way AWS produces them (the fault suite's tools; never deployed).

- :class:`ThrottledAttempts` answers a share of the functions' SDK attempts with the service's own
  throttling error (``before-send``, so botocore's retries, then the state machine's and the
  stream's, handle them exactly as they would in AWS).
- :class:`FailedCalls` fails whole calls whose parameters match a predicate (before the SDK sends
  anything: as if its retries were already spent), to put a fault at one precise point, e.g. "the
  write recording 'sent'", or on a share of all calls (:meth:`FailedCalls.at_rate`).
- :func:`compressed_backoff` shortens every retry wait (botocore's, the ASL ``Retry``'s and the
  functions' own, ``logic/transient.py``) by a
  factor, so a run with hundreds of retries takes seconds; the counts, not the waits, are measured.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

#: the functions' clients the suites fault (the ones the pipeline's state lives behind)
SERVICES = ("dynamodb", "stepfunctions", "sns", "s3", "sqs")


def _throttling(protocol: str, service: str) -> tuple[int, bytes]:
    """The status and body a throttled attempt gets, in the service's wire protocol."""
    if protocol == "rest-xml":  # S3
        return 503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    if protocol == "query":  # SNS
        return 400, (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            b"<Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
        )
    code = "ProvisionedThroughputExceededException" if service == "dynamodb" else "ThrottlingException"
    return 400, json.dumps({"__type": code, "message": "Rate exceeded"}).encode()


_REFUSED = threading.local()
_GATED = False


def _gate_moto() -> None:
    """Let a fault refuse an attempt before moto applies it (moto answers every ``before-send``)."""
    global _GATED  # noqa: PLW0603 - a process-wide, idempotent patch of the local runtime
    if _GATED:
        return
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.__call__

    def __call__(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        answer = getattr(_REFUSED, "answer", None)
        if answer is not None:
            _REFUSED.answer = None
            return answer
        return original(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = __call__  # type: ignore[method-assign]
    _GATED = True


class ThrottledAttempts:
    """Answer ``rate`` of the attempts on the given clients with a throttling error."""

    def __init__(self, rate: float, *, seed: int = 7, committed: bool = False) -> None:
        self.rate = rate
        #: False: the service refuses the attempt (throttling: nothing applied). True: the request is
        #: applied and the answer lost on the way back (a 5xx or a timeout after the commit)
        self.committed = committed
        self.enabled = True
        self.injected: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self._random = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        self._lock = threading.Lock()

    def install(self, client: Any) -> None:
        """Fault every attempt ``client`` makes from now on (registered ahead of moto's responder)."""
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse

        model = client.meta.service_model
        status, body = _throttling(model.protocol, model.service_name)

        def before_send(request: Any, event_name: str = "", **_: Any) -> Any:
            operation = event_name.rsplit(".", 1)[-1]
            with self._lock:
                self.attempts[operation] += 1
                if not self.enabled or self._random.random() >= self.rate:
                    return None
                self.injected[f"{model.service_name}.{operation}"] += 1
            content_type = "application/x-amz-json-1.0" if body.startswith(b"{") else "text/xml"
            answer = AWSResponse(request.url, status, {"Content-Type": content_type}, MockRawResponse(body))
            if self.committed:
                return answer  # moto applies the request as well: the answer is what is lost
            _REFUSED.answer = answer  # moto's responder, next in line, answers this instead of applying it
            return None

        _gate_moto()
        client.meta.events.register_first(f"before-send.{model.service_id.hyphenize()}", before_send)

    def install_functions(self, services: tuple[str, ...] = SERVICES) -> None:
        """Fault the clients every function of the local stack shares (``socialdesk.common.clients``)."""
        from socialdesk.common import clients

        for service in services:
            self.install(clients.client(service))


class FailedCalls:
    """Fail calls for which ``predicate(service, operation, params)`` holds, ``times`` times in all."""

    def __init__(
        self, predicate: Callable[[str, str, dict[str, Any]], bool], *, times: int = 1_000_000
    ) -> None:
        self.predicate = predicate
        self.enabled = True
        self.remaining = times
        self.failed: Counter[str] = Counter()
        self._lock = threading.Lock()

    @classmethod
    def at_rate(cls, rate: float, *, seed: int = 11) -> FailedCalls:
        """Fail ``rate`` of all calls (the SDK's retries spent: a sustained throttling burst)."""
        chance = random.Random(seed)  # noqa: S311 - reproducible faults, not secrets
        calls = cls(lambda service, operation, params: chance.random() < rate)
        return calls

    def install(self, client: Any) -> None:
        """Watch ``client``'s calls from now on."""
        from botocore.exceptions import ClientError

        service = client.meta.service_model.service_name

        def before_build(params: dict[str, Any], model: Any, **_: Any) -> None:
            with self._lock:
                if not self.enabled or self.remaining <= 0 or not self.predicate(service, model.name, params):
                    return
                self.remaining -= 1
                self.failed[f"{service}.{model.name}"] += 1
            error = {"Error": {"Code": "ThrottlingException", "Message": "injected: retries exhausted"}}
            raise ClientError(error, model.name)  # type: ignore[arg-type]

        client.meta.events.register_first(
            f"before-parameter-build.{client.meta.service_model.service_id.hyphenize()}", before_build
        )

    def install_functions(self, services: tuple[str, ...] = SERVICES) -> None:
        """Watch the clients every function of the local stack shares."""
        from socialdesk.common import clients

        for service in services:
            self.install(clients.client(service))


@contextlib.contextmanager
def compressed_backoff(factor: float = 0.02) -> Iterator[None]:
    """Every SDK backoff and ASL retry interval shortened by ``factor`` while the block runs."""
    import time

    from botocore.retries.standard import ExponentialBackoff
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    original_delay = ExponentialBackoff.delay_amount
    original_time = retrier_decl.time

    class _ScaledTime:
        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(seconds * factor)

        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

    def delay_amount(self: Any, context: Any) -> float:
        return float(original_delay(self, context)) * factor

    from socialdesk.logic import transient

    original_pause = transient.pause
    ExponentialBackoff.delay_amount = delay_amount  # type: ignore[method-assign]
    retrier_decl.time = _ScaledTime()  # type: ignore[assignment]
    transient.pause = _ScaledTime.sleep
    try:
        yield
    finally:
        ExponentialBackoff.delay_amount = original_delay  # type: ignore[method-assign]
        retrier_decl.time = original_time
        transient.pause = original_pause
