"""The raw-payload archive as tests see it: every archived delivery, in the table or the bucket."""

from __future__ import annotations

from typing import Any

from socialdesk.dal.raw_archive import decompressed


def archived(stack: Any) -> list[bytes]:
    """The bytes of every archived delivery: ``RAW#`` table items (compressed) and bucket objects."""
    client = stack.client("dynamodb")
    found: list[bytes] = []
    kwargs: dict[str, Any] = {
        "TableName": stack.environment["TABLE_NAME"],
        "FilterExpression": "begins_with(PK, :raw)",
        "ExpressionAttributeValues": {":raw": {"S": "RAW#"}},
    }
    while True:
        page = client.scan(**kwargs)
        found.extend(decompressed(item["body"]["B"]) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    s3 = stack.client("s3")
    bucket = stack.environment["RAW_PAYLOAD_BUCKET"]
    for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        found.append(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
    return found
