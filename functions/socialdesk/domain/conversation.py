"""Conversations: one customer talking to one brand account, in one public thread or in private.

A ticket is one customer's conversation with the brand, not a thread. On a public post many people
talk at once: each person who needs an answer has their own conversation (and ticket); the others'
messages are context on it. The key is

- public: channel + brand account + customer + thread root (the post, tweet or review it hangs on)
- private (DMs, Messenger, WhatsApp, Instagram DMs): channel + brand account + customer

The key holds platform ids, so it is never stored as it is: tables keep its SHA-256 digest, and an
erasure deletes the item keyed by it.
"""

from __future__ import annotations

import hashlib

from pydantic import ConfigDict

from socialdesk.domain.mention import Mention, MentionKind
from socialdesk.domain.model import Model


class Customer(Model):
    """Who a ticket belongs to, as far as the platform told us (all erasable)."""

    model_config = ConfigDict(frozen=True)

    id: str | None = None
    handle: str | None = None
    name: str | None = None

    @classmethod
    def of(cls, mention: Mention) -> Customer:
        """The author of ``mention``."""
        return cls(id=mention.author.id, handle=mention.author.handle, name=mention.author.name)

    @property
    def key(self) -> str | None:
        """What identifies the person on their channel: the platform id, else the handle."""
        return self.id or (f"@{self.handle.lower()}" if self.handle else None)

    @property
    def label(self) -> str:
        """How agents see the customer (``@handle``, a name, or "a customer")."""
        if self.handle:
            return f"@{self.handle}"
        return self.name or "a customer"


#: what an erased customer becomes on their tickets
ERASED = Customer(handle=None, name="[erased]")


def is_private(mention: Mention) -> bool:
    """Whether the message is part of a private conversation (DM-like channels)."""
    return mention.kind is MentionKind.DIRECT_MESSAGE


class ConversationKey(Model):
    """The identity of one customer's conversation with one brand account."""

    model_config = ConfigDict(frozen=True)

    channel: str
    brand_account: str
    customer: str
    #: the public thread's root id; None for a private conversation
    thread: str | None = None

    @classmethod
    def of(cls, mention: Mention, thread_root: str | None) -> ConversationKey:
        """The conversation ``mention`` belongs to, given its resolved public thread root.

        A message whose author the platform did not identify is a conversation of its own.
        """
        customer = Customer.of(mention).key or f"unknown:{mention.external_id}"
        private = is_private(mention)
        return cls(
            channel=mention.channel.value,
            brand_account=mention.brand_account or "default",
            customer=customer,
            thread=None if private else (thread_root or mention.external_id),
        )

    @property
    def digest(self) -> str:
        """A stable SHA-256 digest (hex, 32 characters): how tables refer to the conversation."""
        parts = (self.channel, self.brand_account, self.customer, self.thread or "")
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]

    @property
    def private(self) -> bool:
        """A DM-like conversation (no public thread)."""
        return self.thread is None
