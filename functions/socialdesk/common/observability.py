"""Logger, Tracer and Metrics, created once for every function (service name and namespace from env)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="socialdesk")
metrics = Metrics(namespace="SocialDesk", service="socialdesk")


class _TracingOff:
    """Stands in for powertools' Tracer when tracing is disabled.

    Constructing a Tracer imports the X-Ray SDK (~160 ms of cold start) even when
    ``POWERTOOLS_TRACE_DISABLED`` is set, so the stack's ``TracingEnabled=false`` default skips it.
    """

    def capture_lambda_handler(self, *args: Any, **kwargs: Any) -> Any:
        return self._passthrough(*args)

    def capture_method(self, *args: Any, **kwargs: Any) -> Any:
        return self._passthrough(*args)

    @staticmethod
    def _passthrough(*args: Any) -> Any:
        if args and callable(args[0]):
            return args[0]

        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            return function

        return decorate


def _tracer() -> Any:
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in {"1", "true", "yes"}:
        return _TracingOff()
    from aws_lambda_powertools import Tracer

    return Tracer(service="socialdesk")


tracer = _tracer()


def entrypoint(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The decorator stack every Lambda handler wears: context in the logs, a trace, metrics flushed."""
    traced = tracer.capture_lambda_handler(capture_response=False)(
        logger.inject_lambda_context(clear_state=True)(handler)
    )
    return metrics.log_metrics(traced)


__all__ = ["entrypoint", "logger", "metrics", "tracer"]
