"""Answers of moto's DynamoDB to a fixed set of calls, before and after local/moto_patches.py.

Run as ``python -m tests.support.moto_answers`` (a fresh process: the corrections are process-wide
once applied); prints ``same`` or the first answers that differ.
"""

from __future__ import annotations

import os
from typing import Any


def S(value: str) -> dict[str, str]:
    """A string attribute value."""
    return {"S": value}


ITEM: dict[str, Any] = {
    "PK": S("a"),
    "n": {"N": "1.50"},
    "b": {"B": b"\x00\x01hi"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.0"]},
    "bs": {"BS": [b"a", b"\xff"]},
    "e": S(""),
    "m": {"M": {"k": {"L": [S(""), {"N": "3"}, {"BOOL": False}, {"NULL": True}, {"M": {}}, {"L": []}]}}},
}


def answers(client: Any, table: str) -> list[Any]:
    """Create ``table`` (an index, a stream), write, page, update and delete; every answer in order."""
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "g")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for i in range(5):
        client.put_item(TableName=table, Item={**ITEM, "SK": S(str(i)), "g": S("x" if i % 2 else "y")})
    out: list[Any] = [client.get_item(TableName=table, Key={"PK": S("a"), "SK": S("1")})["Item"]]

    def query(**kwargs: Any) -> Any:
        response = client.query(TableName=table, **kwargs)
        response.pop("ResponseMetadata")
        out.append(response)
        return response

    def on_g(value: str) -> dict[str, Any]:
        return {
            "IndexName": "ByG",
            "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": S(value)},
        }

    on_pk = {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": S("a")}}
    for condition in (on_pk, on_g("x")):
        first = query(Limit=1, **condition)
        query(ExclusiveStartKey=first["LastEvaluatedKey"], **condition)
        query(ScanIndexForward=False, **condition)
    query(
        IndexName="ByG",
        KeyConditionExpression="g = :g AND SK > :s",
        ExpressionAttributeValues={":g": S("y"), ":s": S("0")},
    )
    query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": S("none")})
    new = {"PK": S("a"), "SK": S("9")}
    out.append(
        client.update_item(
            TableName=table,
            Key=new,
            UpdateExpression="SET g = :g",
            ExpressionAttributeValues={":g": S("x")},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    )
    query(**on_g("x"))
    client.delete_item(TableName=table, Key=new)
    third = {"PK": S("a"), "SK": S("3")}
    client.update_item(TableName=table, Key=third, UpdateExpression="REMOVE g")
    query(**on_g("x"))
    client.update_item(
        TableName=table, Key=third, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": S("x")}
    )
    client.batch_write_item(
        RequestItems={
            table: [
                {"PutRequest": {"Item": {**ITEM, "SK": S("7"), "g": S("x")}}},
                {"DeleteRequest": {"Key": {"PK": S("a"), "SK": S("0")}}},
            ]
        }
    )
    query(**on_g("x"))
    query(**on_g("y"))
    scan = client.scan(TableName=table)
    scan.pop("ResponseMetadata")
    out.append(scan)
    return out


def main() -> None:
    """Print ``same`` when plain and corrected moto answer alike, else both answers that differ."""
    os.environ.update(
        {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    )
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb")
        before = answers(client, "plain")
        from local import moto_patches

        moto_patches.apply()
        after = answers(client, "corrected")
    differ = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    print("same" if not differ else f"differ:\n{differ[0][0]}\n{differ[0][1]}")


if __name__ == "__main__":
    main()
