"""Ports (what the logic needs) and their DynamoDB, S3 and SSM adapters (clients injected)."""
