"""SSM Parameter Store adapter for webhook secrets (SecureString, cached by powertools parameters)."""

from __future__ import annotations

from typing import Any

from socialdesk.domain.errors import StorageUnavailable


class SsmSecretSource:
    """Reads ``<prefix>/<name>`` with decryption and a cache of ``max_age`` seconds.

    Parameters
    ----------
    client
        A boto3 SSM client (injected into powertools' ``SSMProvider``).
    prefix
        Parameter path prefix, e.g. ``/socialdesk/prod``.
    max_age
        Seconds a value is cached in the execution environment.
    """

    def __init__(self, client: Any, prefix: str, max_age: int = 300) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self._provider = SSMProvider(boto3_client=client)
        self._prefix = prefix.rstrip("/")
        self._max_age = max_age

    def get(self, name: str) -> str | None:
        """The decrypted value of ``<prefix>/<name>``, or None when the parameter does not exist."""
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            value = self._provider.get(f"{self._prefix}/{name}", decrypt=True, max_age=self._max_age)
        except GetParameterError as error:
            if "ParameterNotFound" in repr(error.__cause__) or "ParameterNotFound" in str(error):
                return None
            raise StorageUnavailable("secret store unavailable") from None
        return str(value) if value is not None else None
