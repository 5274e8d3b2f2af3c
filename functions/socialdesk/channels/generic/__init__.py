"""Generic signed webhooks for sources without a native adapter (blogs, review sites, forms)."""

from __future__ import annotations

from socialdesk.channels.generic.parse import parse_delivery
from socialdesk.channels.generic.signature import SIGNATURE_HEADER, TOLERANCE_SECONDS, sign, verify_signature

__all__ = ["SIGNATURE_HEADER", "TOLERANCE_SECONDS", "parse_delivery", "sign", "verify_signature"]
