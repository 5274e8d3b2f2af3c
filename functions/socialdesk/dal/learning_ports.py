"""Ports of the learning loop: where corrections are kept and where model versions are published."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import ConfigDict, Field

from socialdesk.domain.correction import Correction
from socialdesk.domain.model import Model

if TYPE_CHECKING:  # the model's code (features, tokenisers) loads when a model is, not with the ports
    from socialdesk.learning.model import RoutingModel


class CorrectionStore(Protocol):
    """Keeps the desk's corrections as labelled examples."""

    def add(self, correction: Correction) -> bool:
        """Store a correction once (True), or False when the same correction is stored already."""
        ...

    def add_once(self, correction: Correction) -> Correction:
        """Store the correction unless the ticket has the same one (:attr:`Correction.identity`) already.

        Returns the stored correction: the earlier one when this is a repeat (a retried request).
        """
        ...

    def between(self, start: datetime, end: datetime) -> list[Correction]:
        """Corrections recorded in ``[start, end)``, oldest first."""
        ...

    def forget_ticket(self, ticket_id: str) -> int:
        """Delete every correction of a ticket (its customer's erasure: they hold the message text)."""
        ...


class ModelVersion(Model):
    """One published routing model version."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    version: str
    created_at: datetime
    created_by: str
    sha256: str
    size: int
    parent: str | None = None
    reason: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def of(
        cls,
        body: bytes,
        model: RoutingModel,
        *,
        actor: str,
        at: datetime,
        parent: str | None,
        reason: str,
        metrics: dict[str, float],
    ) -> ModelVersion:
        """The record of ``model`` published as the file ``body``."""
        return cls(
            version=model.version,
            created_at=at,
            created_by=actor,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            parent=parent,
            reason=reason,
            metrics=metrics,
        )


class RegistryEvent(Model):
    """An audit entry: a version published or rolled back to."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    action: str
    version: str
    previous: str | None = None
    actor: str
    reason: str = ""


class ModelRegistry(Protocol):
    """Versioned routing models with a current pointer, an audit trail and rollback."""

    def current_version(self) -> str | None:
        """The version Classify should use, or None when nothing was published yet."""
        ...

    def load(self, version: str) -> RoutingModel:
        """A published version's model."""
        ...

    def publish(
        self,
        model: RoutingModel,
        *,
        actor: str,
        at: datetime,
        reason: str,
        metrics: dict[str, float],
        expected_current: str | None,
    ) -> ModelVersion:
        """Store the model as a new version and make it current (Conflict if the pointer moved)."""
        ...

    def rollback(self, version: str, *, actor: str, at: datetime, reason: str) -> None:
        """Point back to an earlier published version (audited)."""
        ...

    def versions(self) -> list[ModelVersion]:
        """Every published version, oldest first."""
        ...

    def history(self) -> list[RegistryEvent]:
        """The audit trail, oldest first."""
        ...
