"""Answers of moto to a fixed set of calls, before and after local/moto_patches.py.

DynamoDB writes, reads, pages, conditional and expression updates (and the errors of failed
conditions and bad expressions), attribute values of every type the SDK takes or refuses (and its
reports of them), the table's stream, a Step Functions execution of Pass states whose paths copy
the state's data around (its output and history; run twice), an S3 object under a URL routed by
path, the User-Agent botocore sends, and the werkzeug requests moto builds from requests of every
shape the SDK sends, and the date headers, method names, request ids and times its responses use.

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


def _error(call: Any, **kwargs: Any) -> Any:
    """The answer of a call, or the error it raises (code and message)."""
    from botocore.exceptions import ClientError

    try:
        answer = call(**kwargs)
    except ClientError as error:
        return {"error": error.response["Error"], "item": error.response.get("Item")}
    except Exception as error:  # moto lets some parse errors out as they are
        return {"raised": type(error).__name__, "message": str(error)}
    answer.pop("ResponseMetadata", None)
    return answer


def conditional_answers(client: Any, table: str) -> list[Any]:
    """Conditional puts and expression updates on ``table`` (made by :func:`answers`), failed ones too."""
    key = {"PK": S("a"), "SK": S("1")}
    out: list[Any] = []
    for _ in range(2):  # each expression twice: the second is answered from what the first left
        out.append(
            _error(
                client.put_item,
                TableName=table,
                Item={**ITEM, "SK": S("c")},
                ConditionExpression="attribute_not_exists(PK)",
            )
        )
        out.append(
            _error(
                client.update_item,
                TableName=table,
                Key=key,
                UpdateExpression="SET #t = :t, counter = if_not_exists(counter, :zero) + :one ADD tags :tag",
                ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(#t) OR #t <> :t)",
                ExpressionAttributeNames={"#t": "ticket_id"},
                ExpressionAttributeValues={
                    ":t": S("T1"),
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":tag": {"SS": ["x"]},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        )
        out.append(
            _error(
                client.update_item,
                TableName=table,
                Key=key,
                UpdateExpression="SET m.k[1] = :n REMOVE e",
                ConditionExpression="size(ss) = :two AND begins_with(PK, :a)",
                ExpressionAttributeValues={":n": {"N": "4"}, ":two": {"N": "2"}, ":a": S("a")},
                ReturnValues="UPDATED_OLD",
            )
        )
        out.append(
            _error(
                client.update_item,
                TableName=table,
                Key={"PK": S("a"), "SK": S("new")},
                UpdateExpression="SET n = :n",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":n": {"N": "1"}},
            )
        )
    for bad in ("SET", "SET a = :missing", "SET PK = :v", "SET a = :v, a = :v"):  # refused as before
        out.append(
            _error(
                client.update_item,
                TableName=table,
                Key=key,
                UpdateExpression=bad,
                ExpressionAttributeValues={":v": S("v")},
            )
        )
    for bad in ("attribute_exists(", "PK = :v AND", "#missing = :v"):
        out.append(
            _error(
                client.put_item,
                TableName=table,
                Item={**ITEM, "SK": S("d")},
                ConditionExpression=bad,
                ExpressionAttributeValues={":v": S("v")},
            )
        )
    out.append(
        _error(
            client.transact_write_items,
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key,
                        "UpdateExpression": "SET #t = :t",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeNames": {"#t": "ticket_id"},
                        "ExpressionAttributeValues": {":t": S("T2")},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": key,
                        "ConditionExpression": "n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "2"}},
                    }
                },
            ],
        )
    )
    out.append(client.get_item(TableName=table, Key=key)["Item"])
    return out


#: attribute values the SDK refuses (each reported as its validation reports it), values of
#: unusual but valid types (a tuple set, a bytearray or text binary, a tuple list), and empty sets
#: (which moto refuses outside the key attributes)
PARAMETERS: list[Any] = [
    {"S": 1},
    {"S": "a", "N": "1"},
    {},
    {"Q": "a"},
    {"SS": ("a", 1)},
    {"M": {1: S("a")}},
    {"L": [S("a"), "b"]},
    {"M": {"k": {"S": None}}},
    {"B": 3},
    {"NULL": 1},
    None,
    "a",
    {"SS": ("a", "b")},
    {"B": bytearray(b"ab")},
    {"B": "text"},
    {"BS": [b"a", "b"]},
    {"L": ({"S": "a"}, {"NS": ("1",)})},
    {"M": {"k": {"M": {"j": {"BOOL": True}}}}},
    {"SS": []},
    {"M": {"k": {"NS": []}}},
]


def parameter_answers(client: Any, table: str) -> list[Any]:
    """Each of :data:`PARAMETERS` put in an item, used in a key and as an expression's value, then
    read back (its errors too)."""
    out: list[Any] = []
    for i, value in enumerate(PARAMETERS):
        key = {"PK": S("p"), "SK": S(str(i))}
        out.append(_error(client.put_item, TableName=table, Item={**key, "x": value}))
        out.append(_error(client.get_item, TableName=table, Key={**key, "y": value}))
        out.append(
            _error(
                client.update_item,
                TableName=table,
                Key=key,
                UpdateExpression="SET z = :v",
                ExpressionAttributeValues={":v": value},
                ReturnValues="ALL_NEW",
            )
        )
        out.append(_error(client.get_item, TableName=table, Key=key))
    return out


#: a stream record's time, and its size (moto measures the record with its time in it)
_TIMED = ("ApproximateCreationDateTime", "SizeBytes")


def stream_answers(table: str) -> list[Any]:
    """What the table's stream holds, read in-process as the local stack reads it: event names,
    sequence numbers, keys and images, in order."""
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends["123456789012"]["us-east-1"].get_table(table).stream_shard
    assert shard is not None
    return [
        {  # eventID is random
            "eventName": record["eventName"],
            **{k: v for k, v in record["dynamodb"].items() if k not in _TIMED},
        }
        for record in (r.to_json() for r in shard.items)
    ]


#: Pass states whose paths and parameters copy the state's data (the interpreter copies at each step)
STATE_MACHINE = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {"records.$": "$.Records", "first.$": "$.Records[0]", "same.$": "$.Records[0]"},
            "ResultPath": "$.shaped",
            "Next": "Result",
        },
        "Result": {
            "Type": "Pass",
            "Result": {"a": [1, 2.5, None, True, {"b": "c"}]},
            "ResultPath": "$.r",
            "Next": "Pick",
        },
        "Pick": {"Type": "Pass", "InputPath": "$.shaped", "OutputPath": "$.first", "End": True},
    },
}


def state_machine_answers(sfn: Any, name: str) -> list[Any]:
    """One execution of :data:`STATE_MACHINE`: its output and its history's events, without times."""
    import json
    import time

    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(STATE_MACHINE), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    records = [{"eventName": "INSERT", "dynamodb": {"NewImage": ITEM_JSON, "Keys": {"PK": {"S": "a"}}}}] * 3
    out: list[Any] = []
    for run in range(2):  # twice: the second execution's paths are the ones parsed for the first
        execution = sfn.start_execution(
            stateMachineArn=arn, name=f"{name}-{run}", input=json.dumps({"Records": records})
        )
        for _ in range(200):
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.02)
        events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
        stripped = [{k: v for k, v in e.items() if k != "timestamp"} for e in events]
        out += [described["status"], described.get("output"), stripped]
    return out


ITEM_JSON = {"PK": {"S": "a"}, "n": {"N": "1.50"}, "m": {"M": {"k": {"L": [{"S": ""}, {"NULL": True}]}}}}


def s3_answers(s3: Any, bucket: str) -> list[Any]:
    """An object put and read under a key with slashes (routed by its URL's path)."""
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="raw/x/2025/01/1.json", Body=b'{"a": 1}')
    body = s3.get_object(Bucket=bucket, Key="raw/x/2025/01/1.json")["Body"].read()
    missing = _error(s3.get_object, Bucket=bucket, Key="raw/none.json")
    return [body, missing["error"]["Code"] if "error" in missing else missing]


def response_basics() -> list[Any]:
    """The date header moto writes for times of every kind (within a second, across one, aware,
    a timestamp, a date), the method names of action names, each asked twice, and the form of the
    request ids it writes."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from moto.core import responses

    moment = datetime(2026, 3, 1, 23, 59, 59, 999_999)
    times: list[Any] = [
        moment,
        moment.replace(microsecond=0),
        moment + timedelta(microseconds=1),
        moment.replace(tzinfo=UTC),
        moment.replace(tzinfo=timezone(timedelta(hours=-5))),
        1_700_000_000.5,
        date(2026, 3, 1),
    ]
    names = ["PutItem", "BatchWriteItem", "ListTagsOfResource", "DescribeTimeToLive", "GetIDs", "", "A"]
    headers: dict[str, str] = {}
    ids = [responses.gen_amzn_requestid_long(), responses.gen_amzn_requestid_long(headers)]
    ids.append(headers["x-amzn-requestid"])
    return (
        [responses.http_date(t) for t in times * 2]
        + [responses.camelcase_to_underscores(n) for n in names * 2]
        + [(len(i), i.isascii() and i.isalnum()) for i in ids]  # request ids are random
        + [ids[1] == ids[2]]
        + [_now_form()]
    )


def _now_form() -> Any:
    """The form of moto's ``utcnow``: a naive datetime, UTC (the time itself differs between runs)."""
    from datetime import UTC, datetime

    from moto.core import utils

    now = utils.utcnow()
    return (
        type(now).__name__,
        now.tzinfo,
        abs((now - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 60,
    )


def user_agent() -> list[str]:
    """User-Agent strings botocore builds (no request's features in them: those vary by request),
    with components that need sanitising, each built twice."""
    from botocore.config import Config
    from botocore.useragent import UserAgentString

    built = []
    for app_id in ("desk", "déjà vu/#1", "a b\tc"):
        config = Config(user_agent_appid=app_id, user_agent_extra="extra/é x#y")
        agent = UserAgentString.from_environment().set_session_config("app/name", "1.0#beta", "a#b c")
        built += [agent.with_client_config(config).to_string() for _ in range(2)]
    return built


#: requests as the SDK hands them to moto: method, URL, headers, body
REQUESTS: list[tuple[str, str, list[tuple[str, Any]], Any]] = [
    (
        "POST",
        "https://dynamodb.us-east-1.amazonaws.com/",
        [
            ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("User-Agent", b"Boto3/1.0 md/Botocore#1.0"),
            ("Content-Length", "17"),
            ("amz-sdk-request", "attempt=1"),
        ],
        b'{"TableName":"t"}',
    ),
    (
        "PUT",
        "https://bucket.s3.amazonaws.com/raw/x/%C3%A4%20b%2F1.json;p?tagging&versionId=\u00e9",
        [("Content-Type", "application/json"), ("x-amz-meta-a", "1"), ("X-Amz-Meta-A", "2"), ("Host", "b")],
        b"\x00\xffbody",
    ),
    ("GET", "http://localhost:4566/bucket/k%2Fé?list-type=2", [("Accept", "*/*")], None),
    ("GET", "http://localhost:bad/", [("Content-Length", "0")], b""),
    (
        "POST",
        "https://sns.us-east-1.amazonaws.com/",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"Action=Publish&M=a%20b",
    ),
    (
        "POST",
        "https://sns.us-east-1.amazonaws.com/",
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"",
    ),
    (
        "POST",
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations",
        [("Transfer-Encoding", "chunked")],
        "text body",
    ),
    ("POST", "https://lambda.us-east-1.amazonaws.com/", [("X-Bad", "a\nb")], b"{}"),
    ("GET", "https://bucket.s3.amazonaws.com/a", [("Host", "other:8080")], None),
    ("GET", "https://bucket.s3.amazonaws.com/a?b=1", [("Accept", "*/*")], None),
    ("GET", "http://bucket.s3.amazonaws.com:80/a", [("Accept", "*/*")], None),
]


def environs() -> list[Any]:
    """The werkzeug request moto builds for each of :data:`REQUESTS`: its environ (the body read
    out of its stream), headers, data and URLs; or the error building it raises."""
    from moto.core.request import Request

    out: list[Any] = []
    for method, url, headers, body in REQUESTS:
        try:
            request = Request.from_primitives(
                method, url, dict(headers) if len(headers) < 2 else _Pairs(headers), body
            )
        except Exception as error:
            out.append({"raised": type(error).__name__, "message": str(error)})
            continue
        environ = dict(request.environ)
        environ["wsgi.errors"] = type(environ["wsgi.errors"]).__name__
        try:
            data: Any = request.get_data()  # werkzeug reads the stream, up to CONTENT_LENGTH
        except Exception as error:
            data = {"raised": type(error).__name__}
        environ.pop("wsgi.input")
        urls = [request.root_url, request.url_root, request.raw_url, request.host_url]
        out.append([sorted(environ.items(), key=str), list(request.headers.items()), data, urls])
    return out


class _Pairs:
    """Headers with repeated names, as botocore's HeadersDict can hold them (``items()`` in order)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, Any]]:
        """The pairs."""
        return list(self.pairs)


def every_answer(name: str) -> list[Any]:
    """Every answer above, for resources named after ``name``."""
    import boto3

    client = boto3.client("dynamodb")
    out = answers(client, name)
    out.extend(conditional_answers(client, name))
    out.extend(parameter_answers(client, name))
    out.extend(stream_answers(name))
    out.extend(state_machine_answers(boto3.client("stepfunctions"), name))
    out.extend(s3_answers(boto3.client("s3"), name))
    out.extend(user_agent())
    out.extend(environs())
    out.extend(response_basics())
    return out


def _named(answer: Any, name: str) -> str:
    """An answer as text, the resources' name replaced (the two runs name theirs apart)."""
    return repr(answer).replace(name, "<name>")


def main() -> None:
    """Print ``same`` when plain and corrected moto answer alike, else both answers that differ."""
    os.environ.update(
        {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    )
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        before = [_named(answer, "plain") for answer in every_answer("plain")]
        from local import moto_patches

        moto_patches.apply()
        after = [_named(answer, "corrected") for answer in every_answer("corrected")]
    differ = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    print("same" if not differ else f"differ:\n{differ[0][0]}\n{differ[0][1]}")


if __name__ == "__main__":
    main()
