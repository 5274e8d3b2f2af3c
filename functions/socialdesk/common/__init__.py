"""Cross-cutting pieces created once: observability, settings, lazily created AWS clients."""
