"""Which routing model Classify uses: the packaged file, or the registry's current version (cached).

Nothing is read at import time. The packaged model, the urgency terms and the language profiles are
read on first use and kept for the life of the process. A :class:`ModelSource` installed with
:func:`use_model_source` (the composition root does this when a registry is configured) is asked
for the current model on each call and is expected to cache; when it fails or has none, the
packaged model answers, so routing never stops for want of a model.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from typing import Any, Protocol

from socialdesk.learning.language import LanguageProfiles
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.terms import TermMatcher, flatten

_log = logging.getLogger(__name__)

MODELS_PACKAGE = "socialdesk.models"
#: the file in ``socialdesk/models`` naming the packaged model file
CURRENT_FILE = "CURRENT"


class ModelSource(Protocol):
    """Gives the model version currently published (None: use the packaged one)."""

    def current_model(self) -> RoutingModel | None:
        """The current model, cached by the source."""
        ...


_source: ModelSource | None = None


def use_model_source(source: ModelSource | None) -> None:
    """Install (or, with None, remove) the source Classify asks before the packaged model."""
    global _source  # noqa: PLW0603 - one process-wide choice, made by the composition root
    _source = source


def current_model() -> RoutingModel:
    """The model Classify uses now."""
    if _source is not None:
        try:
            model = _source.current_model()
        except Exception:  # a registry outage must not stop routing
            _log.warning("model source failed; using the packaged model", exc_info=True)
        else:
            if model is not None:
                return model
    return packaged_model()


def packaged_model_name() -> str:
    """The file name of the packaged model (``models/CURRENT`` names it)."""
    return resources.files(MODELS_PACKAGE).joinpath(CURRENT_FILE).read_text(encoding="utf-8").strip()


@functools.cache
def packaged_model() -> RoutingModel:
    """The model file shipped in the package."""
    data = resources.files(MODELS_PACKAGE).joinpath(packaged_model_name()).read_bytes()
    return RoutingModel.from_bytes(data)


def _config(name: str) -> Any:
    import yaml

    text = resources.files("socialdesk.config").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.cache
def urgency_terms(name: str = "urgency") -> tuple[TermMatcher, frozenset[str]]:
    """(matcher of the urgency categories, the safety-net categories) of a packaged terms file."""
    doc = _config(name)
    matcher = TermMatcher.of({c: flatten(terms) for c, terms in doc["categories"].items()})
    return matcher, frozenset(doc.get("safety_net", ()))


@functools.cache
def language_profiles() -> LanguageProfiles:
    """The packaged language profiles."""
    return LanguageProfiles.of(_config("languages"))
