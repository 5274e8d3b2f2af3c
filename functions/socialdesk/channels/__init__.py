"""Platform adapters: verify a delivery on its raw bytes, parse it to domain events, send replies."""
