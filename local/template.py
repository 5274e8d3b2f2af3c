"""Read template.yaml (CloudFormation tags included) and resolve the intrinsics the local stack needs."""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _Tag:
    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"!{self.name} {self.value!r}"


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.Loader, suffix: str, node: yaml.Node) -> _Tag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tag(suffix, value)


_Loader.add_multi_constructor("!", _construct)


#: parsed templates by (path, mtime, size), pickled: every local stack and every minted token reads the
#: template, and parsing its 2,000 lines costs about 0.3 s each time
_parsed: dict[tuple[str, int, int], bytes] = {}


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as plain data; ``!Ref x`` becomes ``{"Ref": x}``, ``!Sub`` ``{"Fn::Sub": ...}``.

    Each call returns its own copy (callers may change it); the file is parsed again when it changes.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        document = _plain(yaml.load(path.read_text(), Loader=_Loader))  # noqa: S506 - SafeLoader subclass
        _parsed[key] = pickle.dumps(document)
    loaded: dict[str, Any] = pickle.loads(_parsed[key])  # noqa: S301 - bytes this process pickled
    return loaded


def _plain(node: Any) -> Any:
    if isinstance(node, _Tag):
        key = node.name if node.name in ("Ref", "Condition") else f"Fn::{node.name}"
        value = node.value
        if node.name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: _plain(value)}
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


@dataclass
class Resolver:
    """Resolves Ref / Sub / GetAtt / Join / Select against local parameters and physical names."""

    parameters: dict[str, str]
    physical: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    pseudo: dict[str, str] = field(
        default_factory=lambda: {
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "socialdesk-local",
            "AWS::URLSuffix": "amazonaws.com",
        }
    )

    def ref(self, name: str) -> str:
        """The value of ``!Ref name``."""
        for table in (self.parameters, self.physical, self.pseudo):
            if name in table:
                return str(table[name])
        raise KeyError(f"cannot resolve !Ref {name} locally")

    def resolve(self, node: Any) -> Any:
        """Resolve every intrinsic inside ``node``."""
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self.ref(value)
            if key == "Fn::GetAtt":
                return self.attributes[(value[0], value[1])]
            if key == "Fn::Sub":
                return self._sub(value)
            if key == "Fn::Join":
                return str(value[0]).join(str(self.resolve(v)) for v in self.resolve(value[1]))
            if key == "Fn::Select":
                return self.resolve(value[1])[int(self.resolve(value[0]))]
            if key == "Fn::If":
                return self.resolve(value[1] if self.condition(value[0]) else value[2])
        if isinstance(node, dict):
            return {k: self.resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        return node

    def condition(self, name: str) -> bool:
        """Evaluate a template condition (Equals, Not, And, Or, Condition)."""
        return self._truth(self.conditions[name])

    def _truth(self, node: Any) -> bool:
        ((key, value),) = node.items()
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._truth(value[0])
        if key == "Fn::And":
            return all(self._truth(v) for v in value)
        if key == "Fn::Or":
            return any(self._truth(v) for v in value)
        if key == "Condition":
            return self.condition(value)
        raise KeyError(f"unsupported condition {key}")

    def _sub(self, value: Any) -> str:
        text, extra = (value, {}) if isinstance(value, str) else (value[0], self.resolve(value[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(extra[name])
            if "." in name:
                logical, attribute = name.split(".", 1)
                return str(self.attributes[(logical, attribute)])
            return self.ref(name)

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    """Each template parameter's default, as a string."""
    return {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Logical id → resource for every resource of type ``kind``."""
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}
