"""In-memory fakes of the learning ports (correction store, model registry) for unit tests."""

from __future__ import annotations

from datetime import datetime

from socialdesk.dal.learning_ports import ModelVersion, RegistryEvent
from socialdesk.domain.correction import Correction
from socialdesk.domain.errors import Conflict
from socialdesk.learning.model import RoutingModel


class InMemoryCorrections:
    """A CorrectionStore in a dict, keyed like the DynamoDB adapter."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], Correction] = {}

    def add(self, correction: Correction) -> bool:
        key = (correction.recorded_at.isoformat(), correction.ticket_id, correction.kind.value)
        if key in self.items:
            return False
        self.items[key] = correction
        return True

    def add_once(self, correction: Correction) -> Correction:
        for stored in self.items.values():
            if (stored.ticket_id, stored.identity) == (correction.ticket_id, correction.identity):
                return stored
        self.add(correction)
        return correction

    def between(self, start: datetime, end: datetime) -> list[Correction]:
        return [c for _, c in sorted(self.items.items()) if start <= c.recorded_at < end]

    def forget_ticket(self, ticket_id: str) -> int:
        mine = [key for key, c in self.items.items() if c.ticket_id == ticket_id]
        for key in mine:
            del self.items[key]
        return len(mine)


class InMemoryRegistry:
    """A ModelRegistry in memory: versions, a pointer moved only from the expected version, an audit."""

    def __init__(self) -> None:
        self.models: dict[str, RoutingModel] = {}
        self.records: list[ModelVersion] = []
        self.events: list[RegistryEvent] = []
        self.pointer: str | None = None

    def current_version(self) -> str | None:
        return self.pointer

    def load(self, version: str) -> RoutingModel:
        return RoutingModel.from_bytes(self.models[version].to_bytes())

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
        if self.pointer != expected_current or model.version in self.models:
            raise Conflict("the current model moved")
        body = model.to_bytes()
        record = ModelVersion.of(
            body, model, actor=actor, at=at, parent=expected_current, reason=reason, metrics=metrics
        )
        self.models[model.version] = model
        self.records.append(record)
        self.events.append(
            RegistryEvent(
                at=at,
                action="publish",
                version=model.version,
                previous=self.pointer,
                actor=actor,
                reason=reason,
            )
        )
        self.pointer = model.version
        return record

    def rollback(self, version: str, *, actor: str, at: datetime, reason: str) -> None:
        if version not in self.models:
            raise Conflict(f"no published model version {version}")
        self.events.append(
            RegistryEvent(
                at=at, action="rollback", version=version, previous=self.pointer, actor=actor, reason=reason
            )
        )
        self.pointer = version

    def versions(self) -> list[ModelVersion]:
        return list(self.records)

    def history(self) -> list[RegistryEvent]:
        return list(self.events)
