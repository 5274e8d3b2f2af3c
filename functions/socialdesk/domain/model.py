"""The base of every SocialDesk pydantic model: each validator is built on first use, not at import."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose schema and validator are built the first time it is used.

    Lambda imports a handler's whole model graph at init, but an invocation touches few of its
    models (the agent API declares some eighty for its routes): ``defer_build`` moves the cost of
    building each one from every cold start to the first request that needs it.
    """

    model_config = ConfigDict(defer_build=True)


__all__ = ["Model"]
