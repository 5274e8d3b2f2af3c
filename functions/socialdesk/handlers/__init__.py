"""Lambda entrypoints: translate the event, call one use case, shape the response."""
