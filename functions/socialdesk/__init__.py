"""SocialDesk: serverless social customer care (ingest, route, escalate, respond)."""

__version__ = "0.1.0"
