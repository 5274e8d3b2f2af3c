"""Parse a generic signed delivery into domain events."""

from __future__ import annotations

from pydantic import ValidationError

from socialdesk.channels.generic.payloads import GenericDelivery, GenericMention
from socialdesk.channels.validation import describe
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.mention import Author, Channel, Direction, Mention
from socialdesk.domain.webhook import (
    InboundEvent,
    MentionDeleted,
    MentionEdited,
    MentionReceived,
    OutboundMessageSeen,
)


def parse_delivery(payload: object, *, source: str) -> list[InboundEvent]:
    """Turn a generic delivery from ``source`` into domain events.

    Parameters
    ----------
    payload
        The decoded JSON body: ``{"mentions": [...]}`` or one mention object.
    source
        The source name from the URL (``/webhooks/generic/{source}``); it namespaces the ids.

    Raises
    ------
    PayloadInvalid
        When the body does not match the documented schema.
    """
    if isinstance(payload, dict) and "mentions" not in payload:
        payload = {"mentions": [payload]}
    try:
        delivery = GenericDelivery.model_validate(payload)
    except ValidationError as error:
        raise PayloadInvalid(describe(error)) from None
    return [_event(item, source) for item in delivery.mentions]


def _event(item: GenericMention, source: str) -> InboundEvent:
    external_id = f"{source}:{item.id}"
    if item.event == "deleted":
        return MentionDeleted(
            channel=Channel.GENERIC,
            external_id=external_id,
            deleted_at=item.created_at,
            author_id=item.author.id,
        )
    mention = Mention(
        channel=Channel.GENERIC,
        external_id=external_id,
        kind=item.mention_kind,
        direction=Direction.OUTBOUND if item.from_brand else Direction.INBOUND,
        source=source,
        thread_root_id=f"{source}:{item.thread_id}" if item.thread_id else external_id,
        parent_id=f"{source}:{item.parent_id}" if item.parent_id else None,
        author=Author(**item.author.model_dump()),
        text=item.text,
        title=item.title,
        language=item.language,
        created_at=item.created_at,
        permalink=item.url,
        brand_account=item.brand_account,
        rating=item.rating,
    )
    if item.from_brand:
        return OutboundMessageSeen(message=mention)
    if item.event == "updated":
        return MentionEdited(mention=mention, edited_at=item.created_at)
    return MentionReceived(mention=mention)
