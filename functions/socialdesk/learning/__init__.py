"""The routing model: features, a pure-Python linear model and trainer, term lists, language data."""

from __future__ import annotations

from socialdesk.learning.model import Prediction, RoutingModel
from socialdesk.learning.runtime import current_model, packaged_model, use_model_source

__all__ = ["Prediction", "RoutingModel", "current_model", "packaged_model", "use_model_source"]
