"""The reply flow's idempotency outcomes reach the API as domain errors, mapped to HTTP in one place."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from socialdesk.bootstrap import idempotency_errors_translated
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.http import error_response


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (IdempotencyValidationError("payload differs"), 422, "idempotency_key_reused"),
        (IdempotencyAlreadyInProgressError("in progress"), 409, "in_progress"),
        (IdempotencyPersistenceLayerError("throttled"), 503, "storage_unavailable"),
    ],
)
def test_each_idempotency_outcome_is_a_domain_error_with_its_status(
    raised: Exception, status: int, code: str
) -> None:
    # Given a reply run that powertools' idempotency refuses
    def run(command: dict[str, Any]) -> dict[str, Any]:
        raise raised

    # When it runs through the translation
    with pytest.raises(DomainError) as refused:
        idempotency_errors_translated(run)({"ticket_id": "T-1"})

    # Then the API answers with the status and code the console relies on
    response = error_response(refused.value)
    assert response["statusCode"] == status
    assert f'"error":"{code}"' in response["body"]


def test_a_reply_run_that_succeeds_or_fails_on_its_own_is_untouched() -> None:
    assert idempotency_errors_translated(lambda command: {"ok": command["n"]})({"n": 1}) == {"ok": 1}

    def fails(command: dict[str, Any]) -> dict[str, Any]:
        raise LookupError("not an idempotency error")

    with pytest.raises(LookupError):
        idempotency_errors_translated(fails)({})
