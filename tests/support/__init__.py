"""Shared test helpers: signing requests as each platform does, locating ../shared."""
