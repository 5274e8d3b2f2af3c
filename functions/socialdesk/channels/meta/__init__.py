"""Meta: Facebook Page feed and mentions, Messenger, Instagram and WhatsApp Cloud API webhooks."""

from __future__ import annotations

from socialdesk.channels.meta.parse import parse_delivery
from socialdesk.channels.meta.signature import SIGNATURE_HEADER, answer_challenge, sign, verify_signature

__all__ = ["SIGNATURE_HEADER", "answer_challenge", "parse_delivery", "sign", "verify_signature"]
