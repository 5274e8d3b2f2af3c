"""Corrections to moto (and one to botocore) for a multi-threaded local runtime (never deployed).

1. moto is not thread-safe. The state machine runs executions on threads, so requests are
   serialised, which matches DynamoDB's per-request atomicity. Interleavings between requests,
   which is where the races we test live, still happen.
2. moto's ``TransactWriteItems`` deep-copies every table it touches before applying and restores
   the copy on failure. That is O(table size) per transaction: minutes per run against a 100,000
   ticket backlog. Under the lock the same all-or-nothing result comes from checking every
   condition first and applying only when all hold.
3. moto's ``Table.query`` finds its candidates by sorting every item of the table
   (``all_items()``) and comparing each with the key condition: O(table) per query, with a
   ``Decimal`` built per comparison. A demo's escalation runs spent 65 % of their time there, and
   a replay of thousands of messages goes quadratic. A query now starts from the items that can
   match: the partition (``Table.items[hash_key]``) on the table, and on an index the items whose
   index hash key equals the condition's, from a map kept per table (built at its first index
   query, then updated by every write: ``Table.put_item``, ``Table.delete_item`` and
   ``DynamoDBBackend.update_item``, which batch, transaction and PartiQL writes go through).
   moto's own query code still runs on those candidates (conditions, order, paging, projection,
   filters), so results are the same; only the items it looks at are fewer.
4. moto's JSON response serializer walks every ``AttributeValue`` of a DynamoDB response member by
   member through botocore's shape model (ten members, a value picker each): a third of a demo's
   DynamoDB time. An ``AttributeValue`` is now written directly, as that walk writes it (strings
   as ``str``, binaries base64-encoded, maps and lists recursively), and so is an item (a map of
   them); any other shape, and any value this does not recognise, still takes the walk. Requests
   get the same treatment: an ``AttributeValue`` of one member is parsed directly (binaries
   base64-decoded, maps and lists recursively), as the parser's walk parses it. And
   ``method_names_from_class``, which lists a response class's methods with ``inspect.getmembers``
   on every request, is remembered per class.
5. moto's ``Item`` checks the 400 KB item limit on every attribute it sets while it builds an item,
   re-measuring every attribute set so far each time: O(attributes²) per write, 13 % of a replay's
   CPU for tickets of 40-odd attributes. A new item's size is now measured once, against the same
   limit (sizes only grow as attributes are added, so the result is the same).
6. moto's Step Functions interpreter creates a new boto3 client for every Task it runs
   (``boto_client_for``): about 15 ms each, three per routed batch. Its clients take no per-call
   settings (fixed dummy credentials, the same config), so one per service and region is kept.
   And it parses the state machine's ASL with ANTLR for every execution (about 80 ms, 6 % of a
   replay): the parsed program is now kept per definition, and each execution runs its own deep
   copy of it (5 ms), so no state is shared between executions.
7. botocore builds the User-Agent header twice per request, sanitising each of its thirty-odd
   components character by character (6 % of a replay's CPU). A component's text depends on its
   prefix, name, value and size limit alone, so it is remembered per those. (The one correction
   to the SDK rather than to moto: the functions' calls all go through it in the one interpreter.)
8. moto's request router (``BotocoreStubber.process_request``) tries every service's URL patterns
   in turn, then compiles and tries each of the matched backend's URLs, for every request (its own
   TODO: "cache this part"). The handler a URL routes to is remembered per URL (a bounded number:
   S3 object URLs are many); passthrough and whitelist settings are still checked on every request.
9. moto's ``UpdateItem`` parses its ``UpdateExpression`` twice per request (to check the names and
   values it uses, then to apply it), and every distinct expression is one of a handful the
   functions send. The parsed tree is kept per expression: nothing changes it (the validator that
   applies it works on its own deep copy, as before), and an expression that does not parse still
   raises each time.
10. moto lexes a ``ConditionExpression`` (and a filter) with a list of regular expressions per
    token, twice per conditional write. The tokens (immutable named tuples) are kept per
    expression text; parsing them into the condition, with the request's names and values, is done
    per request as before.
11. moto's update-expression validator runs ten tree walks, and each walk rebuilds the tuple of
    node types it handles at every node of the tree (its docstring calls it a cached accessor).
    The tuple is kept per walk.
12. moto's Step Functions interpreter deep-copies the state's data at nearly every step (the
    input on entering a state, each path's result, the task's output): a stream batch's records
    with their images, a few times per state (4 % of a replay's CPU in ``copy.deepcopy``). Those
    values are JSON (the execution input, parsed; what the Lambda tasks return), and they are now
    copied by a copy that knows JSON's types (dicts with string keys, lists, strings, numbers,
    booleans, None) and hands anything else to ``copy.deepcopy``. The one difference: a value
    that appears twice in one state's data is copied twice rather than shared by both places,
    which is what JSON (and Step Functions itself) does.
13. moto turns every SDK request into a werkzeug ``Request`` through werkzeug's test
    ``EnvironBuilder`` (5 % of a replay's CPU: header objects built, copied and filtered, the path
    re-encoded, the body measured through its stream). For the requests the SDK sends (a bytes
    body or none, string headers), the WSGI environ is now written directly, key for key as the
    builder writes it; anything else (a body that is not bytes, a header value with a newline, an
    empty form) still goes through the builder.
14. moto turns a DynamoDB result into plain values (``dynamo_to_dict``) with four type checks
    and an attribute lookup per value at every depth: a read of an item with a list of thousands
    of ticket ids (an incident's) spends most of its time there. Strings, numbers, booleans,
    nulls, lists and maps of them now take one type check; binaries, sets, subclasses and
    anything else still take moto's checks. And ``DynamoType.to_regular_json`` (an item's stream
    images, its JSON) deep-copied a list or map value whole before rebuilding each member from the
    copy; the members are now rebuilt from the value itself (each rebuilt member is new, as it was).
15. moto's Step Functions interpreter parses each JSONPath it evaluates (an ``InputPath``, a
    ``ResultPath``, a ``Parameters`` field's ``.$`` path) with a new jsonpath-ng parser per
    evaluation, and jsonpath-ng builds its PLY lexer and LALR tables for every parser: several
    times per state of every execution (1.3 % of a replay's CPU). A parsed path is now kept per
    path text: jsonpath-ng's path objects are immutable once built (their finds and updates read
    them, and change only the data), and a path that does not parse still raises each time.
16. moto writes each response's ``date`` header with werkzeug's ``http_date(utcnow())``, formatting
    the time through ``email.utils`` on every request (1 % of a replay's CPU). The header has a
    resolution of one second, so its text is now kept for the second it names; any other argument
    (an aware time, a timestamp, none) is formatted as before.
17. moto turns each request's action name into its method name (``camelcase_to_underscores``)
    character by character, on every request; the result depends on the name alone, so it is
    remembered per name.
18. moto's update-expression validator starts from a ``copy.deepcopy`` of the parsed expression
    (its tree of nodes, each child pointing back at its parent), which goes through deepcopy's
    generic reduce protocol node by node: 1.7 % of a replay's CPU. The tree is now copied node by
    node as deepcopy copies it (each node a new instance of its class with its own attributes,
    children copied in order, each copy's parent the copy of its parent), when it is such a tree:
    every node appears once, every child's parent is the node holding it, and the other values are
    strings, numbers, booleans or None. Anything else is still deep-copied.
19. moto's response serializer finds each member of a response structure with an attribute picker
    that asks six alias providers in turn (each one a new object) for the names the member may go
    by, and ``xform_name`` for each name, for every member of every structure of every response:
    3 % of a replay's CPU, most of it for members a response leaves out. For a plain ``dict`` (what
    the DynamoDB responses are made of) the names depend on the member's key and shape, the shape's
    parent structure and the picker's providers alone (a dict has no ``Meta``, and its class name
    is ``dict``), so they are listed once per those and tried in the same order; values of other
    types (model objects) still ask the providers each time.
20. botocore, like moto (correction 4), walks every DynamoDB ``AttributeValue`` member by member
    through the shape model three times a call: to validate the request's parameters, to serialize
    them and to parse the response (ten members, a handler looked up by name each): 4 % of a
    replay's CPU, for items of 40-odd attributes. A plainly valid ``AttributeValue`` (one member set,
    of the exact type its shape takes: strings, booleans, bytes, lists and dicts of them) and an
    item (a map of them) are now checked, written and read directly, as the walks do: nothing to
    report, the same values written (binaries base64-encoded) and read (binaries decoded, a null
    list member kept as None). Anything else (a value of another type, two members or none, a
    file-like binary, a shape that is not DynamoDB's ``AttributeValue``) still takes the walks, and
    their errors. Like correction 7 this is on the SDK's side, and off while the cost meter runs.
21. moto gives every response a request id of 52 random letters and digits, drawn one
    ``random.choice`` at a time (a bounded random integer each). They are now drawn with one
    ``random.choices`` call, from the same seedable generator and the same characters.
22. moto reads every request's URL (``raw_url``) from werkzeug's ``root_url``, which works the
    host out of the headers and the server (checked against ``trusted_hosts``) and re-encodes it
    as an IRI, per request: 1 % of a replay's CPU for the dozen origins the SDK calls. The root
    URL depends on the request's scheme, host header, server, root path and trusted hosts alone,
    so it is worked out once per those (by werkzeug, as before; a host it refuses is refused each
    time).
23. moto checks a put's attributes for empty sets except its key attributes, and lists the table's
    key attributes (its keys and every index's) again for each attribute it checks: 40-odd times per
    ticket written. They are listed once per put; nothing changes them during the check.
24. The same walks (correction 11) also rebuild their processing map (node type → processor) for
    every node they process, and call the no-op hook ``pre_processing_of_child`` for every child of
    every node (one walk of the ten overrides it). The map's items are kept per walk, like its node
    types, and the hook is called only where a walk overrides it.
25. moto looks each service's backend up (``dynamodb_backends[account]``, the IAM account checks of
    every request) through ``BackendDict._create_account_specific_backend``, which lists the
    accounts and then searches the list of every backend in use, comparing each with a Python
    ``__eq__``, on every lookup: 1 % of a replay's CPU. When the account is there already, nothing
    is left to do (moto adds an account only there, registering the backend with it, and a reset
    clears both), so the lookup returns at once; otherwise moto's method runs as before.
26. moto's ``utcnow`` imports ``datetime.UTC`` on every call (several per request: the date
    header, stream records, history events). It is now ``datetime.now(timezone.utc)`` made naive,
    as before, without the import, in every moto module that imported it by name.
27. ``UpdateItem`` deep-copies the item twice (to answer ``ReturnValues`` and for the stream's old
    image), one ``copy.deepcopy`` call per attribute and per member of each list and map, each
    going through deepcopy's dispatch and keep-alive bookkeeping. An item's attribute values are
    now copied by a function that makes the copy ``DynamoType.__deepcopy__`` makes (a new value
    each, lists and maps copied member by member, sets as new lists, scalars shared), with the same
    memo; anything that is not a ``DynamoType`` is still handed to ``copy.deepcopy``.
"""

from __future__ import annotations

import threading
from typing import Any

LOCK = threading.RLock()
_APPLIED = False
#: whether the corrections on the SDK's side (not moto's) are on: the cost meter turns them off, so
#: the functions' measured CPU is what the real SDK costs them on Lambda (moto's time is not counted)
CLIENT_SIDE = True


def apply() -> None:
    """Install the corrections once per process."""
    global _APPLIED  # noqa: PLW0603 - a process-wide, idempotent patch
    if _APPLIED:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    original_call = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with LOCK:
            return original_call(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    _index_queries()
    _attribute_values()
    _item_size_once()
    _state_machine_clients()
    _user_agent_components()
    _request_routes()
    _parsed_expressions()
    _state_data_copies()
    _direct_environs()
    _plain_results()
    _json_paths()
    _response_basics()
    _expression_copies()
    _picked_keys()
    _sdk_attribute_values()
    _request_ids()
    _root_urls()
    _empty_set_checks()
    _backend_lookups()
    _plain_utcnow()
    _item_copies()
    _APPLIED = True


def _state_machine_clients() -> None:
    """Correction 6: the interpreter's Task clients are created once per service and region."""
    import sys

    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    made: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with lock:
            if (region, service) not in made:
                made[(region, service)] = original(region=region, service=service)
            return made[(region, service)]

    for module in list(sys.modules.values()):  # every module that imported it by name
        if getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]

    import copy

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    programs: dict[str, Any] = {}

    def _get_evaluation_entrypoint(self: Any) -> Any:
        definition = self._evaluation_details.state_machine_details.definition
        with lock:
            if definition not in programs:
                programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
            parsed = programs[definition]
        return copy.deepcopy(parsed)

    ExecutionWorker._get_evaluation_entrypoint = _get_evaluation_entrypoint  # type: ignore[method-assign]


def _user_agent_components() -> None:
    """Correction 7: a User-Agent component is rendered once per distinct prefix, name and value."""
    from botocore.useragent import UserAgentComponent

    original = UserAgentComponent.to_string
    rendered: dict[tuple[Any, ...], str] = {}

    def to_string(self: Any) -> str:
        if not CLIENT_SIDE:
            return original(self)
        size = self.size_config
        limit = None if size is None else (size.max_size_in_bytes, size.delimiter)
        key = (self.prefix, self.name, self.value, limit)
        try:
            text = rendered.get(key)
        except TypeError:  # not hashable: not strings, as botocore never passes
            return original(self)
        if text is None:
            text = original(self)
            if len(rendered) < 4096:
                rendered[key] = text
        return text

    UserAgentComponent.to_string = to_string


def _request_routes() -> None:
    """Correction 8: the handler each request URL routes to is found once per URL."""
    import functools
    import re

    from moto import backend_index
    from moto.core import botocore_stubber
    from moto.core.config import passthrough_service, passthrough_url, service_whitelisted
    from moto.core.exceptions import HTTPException, ServiceNotWhitelisted
    from moto.core.request import normalize_request
    from moto.core.utils import get_equivalent_url_in_aws_domain

    original = botocore_stubber.BotocoreStubber.process_request

    @functools.lru_cache(maxsize=512)
    def route(clean_url: str) -> tuple[str, Any] | None:
        """The service and handler moto's loop would pick for ``clean_url`` (None: let it decide)."""
        from moto import backends
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.core.base_backend import BackendDict

        for service, pattern in backend_index.backend_url_patterns:
            if not pattern.match(clean_url):
                continue
            backend_dict = backends.get_backend(service)  # type: ignore[call-overload]
            if isinstance(backend_dict, BackendDict):
                regions = backend_dict[DEFAULT_ACCOUNT_ID]
                backend = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
            else:
                backend = backend_dict["global"]
            for url, handler in backend.urls.items():
                if re.compile(url).match(clean_url):
                    # a classmethod or a function of the service's urls module: the same handler for
                    # every backend instance (a reset backend too)
                    static = not hasattr(handler, "__self__") or isinstance(handler.__self__, type)
                    return (service, handler) if static else None
            return None  # moto would fall through to its 404 or to the real network: let it
        return None

    def process_request(self: Any, request: Any) -> Any:
        parsed_url, _ = get_equivalent_url_in_aws_domain(request.url)
        clean_url = f"{parsed_url.scheme}://{parsed_url.netloc}{parsed_url.path}"
        found = None if passthrough_url(clean_url) else route(clean_url)
        if found is None:
            return original(self, request)
        service, handler = found
        if passthrough_service(service):
            return None
        if not service_whitelisted(service):
            raise ServiceNotWhitelisted(service)
        from moto.moto_api import recorder

        normalized_request = normalize_request(request)
        try:
            recorder._record_request(normalized_request)
            status, headers, body = handler(
                normalized_request, normalized_request.raw_url, normalized_request.headers
            )
        except HTTPException as e:
            status, headers, body = e.code, e.get_headers(), e.get_body()
        return status, headers, body

    botocore_stubber.BotocoreStubber.process_request = process_request  # type: ignore[method-assign]


def _parsed_expressions() -> None:
    """Corrections 9-11: update expressions parsed and condition expressions lexed once per text;
    the tree walks' node types found once per walk."""
    import functools
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    make: Any = functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make.__func__)
    UpdateExpressionParser.make = classmethod(make)

    original_lex = ConditionExpressionParser._lex_condition_expression
    lexed: dict[str, tuple[Any, ...]] = {}

    def _lex_condition_expression(self: Any) -> Any:
        text = self.condition_expression
        tokens = lexed.get(text)
        if tokens is None:
            tokens = tuple(original_lex(self))  # a text that does not lex raises, every time
            if len(lexed) < 1024:
                lexed[text] = tokens
        return deque(tokens)

    ConditionExpressionParser._lex_condition_expression = _lex_condition_expression  # type: ignore[method-assign]

    original_types = DepthFirstTraverser.nodes_to_be_processed

    def nodes_to_be_processed(self: Any) -> Any:
        types = self.__dict__.get("_node_types")
        if types is None:
            types = self.__dict__["_node_types"] = original_types(self)
        return types

    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed
    _expression_walks(DepthFirstTraverser)


#: moto's Step Functions modules whose ``copy.deepcopy`` copies the state's data (JSON values)
_STATE_DATA_MODULES = (
    "moto.stepfunctions.parser.asl.eval.states",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.common.path.result_path",
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state",
)


def _state_data_copies() -> None:
    """Correction 12: the interpreter's copies of its JSON state data are made as JSON copies."""
    import copy
    import importlib
    import types

    json_copies = types.SimpleNamespace(deepcopy=json_copy, copy=copy.copy)
    for name in _STATE_DATA_MODULES:
        module = importlib.import_module(name)
        if getattr(module, "copy", None) is copy:
            module.copy = json_copies  # type: ignore[attr-defined]


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def json_copy(value: Any, memo: Any = None) -> Any:
    """A deep copy of a JSON value (anything else, at any depth, is handed to ``copy.deepcopy``)."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                import copy

                return copy.deepcopy(value)
            copied[key] = json_copy(item)
        return copied
    if kind is list:
        return [json_copy(item) for item in value]
    import copy

    return copy.deepcopy(value)


def _direct_environs() -> None:
    """Correction 13: an SDK request's WSGI environ is written directly, as EnvironBuilder writes it."""
    import contextlib
    import functools
    import sys
    from io import BytesIO
    from urllib.parse import unquote, urlparse, urlsplit

    from moto.core import request as moto_request
    from werkzeug.urls import iri_to_uri

    original = moto_request.Request.from_primitives.__func__  # type: ignore[attr-defined]
    as_uri = functools.lru_cache(maxsize=1024)(iri_to_uri)

    def dance(text: str) -> str:  # werkzeug's _wsgi_encoding_dance
        return text.encode().decode("latin1")

    def from_primitives(cls: Any, method: str, url: str, headers: Any, body: Any = None) -> Any:
        if isinstance(body, moto_request.AwsChunkedWrapper):
            body = body.read()  # as moto reads it
        items = []
        for key, value in headers.items():
            if key.lower() == "transfer-encoding":
                continue
            text = value.decode("utf-8") if isinstance(value, bytes) else value
            if not isinstance(text, str) or "\n" in text or "\r" in text:
                return original(cls, method, url, headers, body)
            items.append((key, text))
        data = b"" if body is None else body
        if not isinstance(data, bytes):
            return original(cls, method, url, headers, body)
        types = [v for k, v in items if k.lower() == "content-type"]
        content_type = types[0] if types else None
        mimetype = content_type.partition(";")[0].strip() if content_type else None
        if not data and mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return original(cls, method, url, headers, body)  # the builder encodes an empty form
        parsed_url = urlparse(url)
        path = urlsplit(parsed_url.path).path
        scheme, host, script_root, _, _ = urlsplit(as_uri(f"{parsed_url.scheme}://{parsed_url.netloc}"))
        script_root = script_root.rstrip("/")
        server_name, colon, port = host.partition(":")
        server_port = 443 if scheme == "https" else 80
        if colon:
            with contextlib.suppress(ValueError):
                server_port = int(port)
        raw_uri = dance(parsed_url.path)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": dance(unquote(script_root)),
            "PATH_INFO": dance(unquote(as_uri(path))),
            "QUERY_STRING": dance(parsed_url.query),
            "REQUEST_URI": raw_uri,
            "RAW_URI": raw_uri,
            "SERVER_NAME": server_name,
            "SERVER_PORT": str(server_port),
            "HTTP_HOST": host,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        if data:
            environ["CONTENT_LENGTH"] = str(len(data))
        combined: dict[str, list[str]] = {}
        for key, text in items:
            if key.lower() not in ("content-type", "content-length"):
                combined.setdefault(f"HTTP_{key.upper().replace('-', '_')}", []).append(text)
        for key, values in combined.items():
            environ[key] = ", ".join(values)
        request = cls(environ)
        environ[moto_request.PRESERVED_HEADER_NAMES_ENVIRON_KEY] = {
            moto_request.environ_key_for_header(key): key
            for key, _ in items
            if moto_request.should_preserve_original_header_name(key)
        }
        environ.setdefault("CONTENT_LENGTH", "0")
        return request

    moto_request.Request.from_primitives = classmethod(from_primitives)  # type: ignore[assignment,method-assign]


def _plain_results() -> None:
    """Correction 14: the common values of a DynamoDB result are made plain with one type check, and
    a value's regular JSON is built without first deep-copying it."""
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = utilities.dynamo_to_dict
    plain = (str, int, float, bool, type(None))

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind is DynamoType:
            value, tag = obj.value, obj.type
            if type(value) in (str, bool) and tag not in ("B", "BS"):
                return {tag: value}
            if tag == "L" and type(value) is list:
                return {"L": [dynamo_to_dict(member) for member in value]}
            if tag == "M" and type(value) is dict:
                return {"M": {name: dynamo_to_dict(member) for name, member in value.items()}}
        elif kind is dict:
            return {name: dynamo_to_dict(member) for name, member in obj.items()}
        elif kind is list:
            return [dynamo_to_dict(member) for member in obj]
        elif kind in plain:
            return obj
        return original(obj)

    utilities.dynamo_to_dict = dynamo_to_dict
    responses.dynamo_to_dict = dynamo_to_dict

    import base64
    import copy

    def to_regular_json(self: Any) -> dict[str, Any]:
        value = self.value
        if isinstance(value, dict):
            value = {
                name: member.to_regular_json() if isinstance(member, DynamoType) else copy.deepcopy(member)
                for name, member in value.items()
            }
        elif isinstance(value, list):
            value = [
                member.to_regular_json() if isinstance(member, DynamoType) else copy.deepcopy(member)
                for member in value
            ]
        else:
            value = copy.deepcopy(value)
        if self.is_binary() and isinstance(value, str):
            value = base64.b64decode(value)
        return {self.type: value}

    DynamoType.to_regular_json = to_regular_json  # type: ignore[method-assign]


def _item_size_once() -> None:
    """Correction 5: a new item's size is measured once, not once per attribute."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > _ITEM_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # later sets still go through LimitedSizeDict's check

    Item.__init__ = __init__  # type: ignore[method-assign]


#: moto's LimitedSizeDict limit (DynamoDB's 400 KB, as moto measures it)
_ITEM_LIMIT = 405000


def _attribute_values() -> None:
    """Correction 4: AttributeValues serialised directly; response classes' method names remembered."""
    import functools

    from moto.core import responses
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize

    def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and isinstance(value, dict):
            direct = _attribute_value(self, value)
            if direct is not None:
                serialized[self.get_serialized_name(shape, key)] = direct
                return
        elif shape.type_name == "map" and shape.value.name == "AttributeValue" and isinstance(value, dict):
            # an item (AttributeMap): its values written directly, as the map walk writes each
            item = self.MAP_TYPE()
            for name, member in value.items():
                direct = _attribute_value(self, member) if isinstance(member, dict) else None
                if direct is None:  # a value the walk treats otherwise (None is left out by it)
                    break
                item[name] = direct
            else:
                serialized[self.get_serialized_name(shape, key)] = item
                return
        original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize = _serialize  # type: ignore[method-assign]

    from moto.core.parse import BaseJSONParser

    original_parse = BaseJSONParser._parse_shape

    def _parse_shape(self: Any, shape: Any, node: Any) -> Any:
        if shape.name == "AttributeValue":
            direct = _parsed_attribute_value(self, node)
            if direct is not None:
                return direct
        return original_parse(self, shape, node)

    BaseJSONParser._parse_shape = _parse_shape  # type: ignore[method-assign]
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)


def _parsed_attribute_value(parser: Any, node: Any) -> dict[str, Any] | None:
    """A request's AttributeValue as moto's shape walk parses it; None when it is not plainly one."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((kind, member),) = node.items()
    if member is None:
        return None
    if kind in ("S", "N", "BOOL", "NULL"):
        return {kind: member}
    if kind == "B":
        return {kind: parser._blob_parser(member)}
    if kind in ("SS", "NS") and isinstance(member, list):
        return {kind: list(member)}
    if kind == "BS" and isinstance(member, list):
        return {kind: [parser._blob_parser(v) for v in member]}
    if kind in ("M", "L"):
        if not isinstance(member, dict if kind == "M" else list):
            return None
        children = member.items() if kind == "M" else enumerate(member)
        converted = {}
        for name, child in children:
            direct = _parsed_attribute_value(parser, child)
            if direct is None:
                return None
            converted[name] = direct
        return {kind: converted if kind == "M" else list(converted.values())}
    return None


def _attribute_value(serializer: Any, value: dict[str, Any]) -> dict[str, Any] | None:
    """One AttributeValue as moto's shape walk writes it; None when it holds anything unexpected."""
    out: dict[str, Any] = {}
    for kind, member in value.items():
        if member is None:
            continue
        if kind in ("S", "N"):
            out[kind] = str(member)
        elif kind in ("BOOL", "NULL"):
            out[kind] = member
        elif kind == "B":
            out[kind] = serializer._base64(member)
        elif kind in ("SS", "NS"):
            out[kind] = [str(v) for v in member]
        elif kind == "BS":
            out[kind] = [serializer._base64(v) for v in member]
        elif kind in ("M", "L"):
            children = member.items() if kind == "M" else enumerate(member)
            converted = {}
            for name, child in children:
                if not isinstance(child, dict):
                    return None
                direct = _attribute_value(serializer, child)
                if direct is None:
                    return None
                converted[name] = direct
            out[kind] = converted if kind == "M" else list(converted.values())
        else:
            return None
    return out


def _index_queries() -> None:
    """Correction 3: queries look at the items that can match, not at the whole table."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_put = Table.put_item
    original_delete = Table.delete_item
    original_update = DynamoDBBackend.update_item

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        candidates = _candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
        if candidates is None:
            return original_query(self, hash_key, *args, **kwargs)
        with LOCK:  # the instance attribute is seen by this query only (every request holds LOCK)
            self.all_items = lambda: candidates
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items

    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_put(self, item_attrs, *args, **kwargs)
        finally:
            _reindex(self, _key_of(self, item_attrs))

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return original_delete(self, hash_key, range_key)
        finally:
            _reindex(self, (hash_key, range_key or None))

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:
            table = self.get_table(table_name)
            _reindex(table, _key_of(table, key))

    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


class _HashIndex:
    """Per index of one table: its hash key value → the primary keys of the items that carry it."""

    def __init__(self, table: Any) -> None:
        self.attributes = {
            index.name: sorted(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            for index in table.all_indexes()
        }
        self.buckets: dict[str, dict[tuple[Any, ...], set[tuple[Any, Any]]]] = {
            name: {} for name in self.attributes
        }
        self.placed: dict[str, dict[tuple[Any, Any], tuple[Any, ...]]] = {
            name: {} for name in self.attributes
        }
        for item in table.all_items():
            self.place((item.hash_key, item.range_key), item)

    def place(self, key: tuple[Any, Any], item: Any) -> None:
        """Move ``key`` to the buckets of ``item``'s current values (out of all when ``item`` is None)."""
        for name, attributes in self.attributes.items():
            old = self.placed[name].pop(key, None)
            if old is not None:
                bucket = self.buckets[name][old]
                bucket.discard(key)
                if not bucket:
                    del self.buckets[name][old]
            value = None if item is None else _bucket_of(attributes, item.attrs)
            if value is not None:
                self.buckets[name].setdefault(value, set()).add(key)
                self.placed[name][key] = value


def _bucket_of(attributes: list[str], attrs: dict[str, Any]) -> tuple[Any, ...] | None:
    """The bucket of an item (or of a query's conditions): its hash key values, None without one."""
    values = []
    for name in attributes:
        value = attrs.get(name)
        if not value:
            return None
        values.append((value.type, value.cast_value))
    return tuple(values)


def _key_of(table: Any, attributes: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(attributes[table.hash_key_attr])
    range_raw = attributes.get(table.range_key_attr) if table.range_key_attr else None
    return hash_value, DynamoType(range_raw) if range_raw else None


def _reindex(table: Any, key: tuple[Any, Any]) -> None:
    index = getattr(table, "_hash_index", None)
    if index is None:
        return
    hash_value, range_value = key
    partition = table.items.get(hash_value)
    item = partition if range_value is None else (partition or {}).get(range_value)
    index.place(key, item)


def _candidates(table: Any, hash_key: Any, index_name: str | None, conditions: Any) -> list[Any] | None:
    """The items a query can match; None: let moto look at every item."""
    if not index_name:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    index = getattr(table, "_hash_index", None)
    if index is None:
        index = table._hash_index = _HashIndex(table)
    attributes = index.attributes.get(index_name)
    if not conditions or attributes is None or sorted(name for name, _ in conditions) != attributes:
        return None
    wanted = _bucket_of(attributes, dict(conditions))
    partition_keys = index.buckets[index_name].get(wanted, set()) if wanted is not None else set()
    found = []
    for hash_value, range_value in partition_keys:
        partition = table.items.get(hash_value)
        item = partition if range_value is None else (partition or {}).get(range_value)
        if item is not None:
            found.append(item)
    return found


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[tuple[str | None, str | None, Any]] = []
    for entry in transact_items:  # phase 1: check every condition, change nothing
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table = self.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            old = (
                current.to_json()["Attributes"]
                if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                else None
            )
            errors.append(("ConditionalCheckFailed", str(ConditionalCheckFailed().message), old))
            continue
        errors.append((None, None, None))
        planned.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    for op_type, op, key in planned:  # phase 2: every condition held; apply (under the lock)
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            self.put_item(
                op["TableName"],
                op["Item"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )
        elif op_type == "Delete":
            self.delete_item(
                op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values
            )
        elif op_type == "Update":
            self.update_item(
                op["TableName"],
                key,
                update_expression=op["UpdateExpression"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )


def _json_paths() -> None:
    """Correction 15: the interpreter's JSONPaths are parsed once per path text."""
    import functools

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    # a path that does not parse raises, and lru_cache keeps no result for it
    json_path.parse = functools.lru_cache(maxsize=1024)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=1024)(result_path.parse)


def _response_basics() -> None:
    """Corrections 16-17: a response's date header formatted once per second, an action's method
    name found once per action."""
    import datetime
    import functools

    from moto.core import responses

    original_date = responses.http_date
    dates: dict[datetime.datetime, str] = {}

    def http_date(timestamp: Any = None) -> str:
        if type(timestamp) is not datetime.datetime or timestamp.tzinfo is not None:
            return str(original_date(timestamp))
        second = timestamp.replace(microsecond=0)  # the header names whole seconds
        text = dates.get(second)
        if text is None:
            text = str(original_date(second))
            if len(dates) > 64:
                dates.clear()
            dates[second] = text
        return text

    responses.http_date = http_date
    responses.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(responses.camelcase_to_underscores)


def _expression_copies() -> None:
    """Correction 18: the validator's copy of a parsed update expression is made as a tree copy."""

    from moto.dynamodb.parsing import validators

    validators.deepcopy = expression_copy  # type: ignore[attr-defined]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def expression_copy(value: Any, memo: Any = None) -> Any:
    """A deep copy of a parsed expression tree, as ``copy.deepcopy`` makes it (anything that is not
    plainly such a tree is handed to ``copy.deepcopy``)."""
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

    if memo is None and isinstance(value, Node) and value.parent is None:
        copied = _tree_copy(value, None, set(), Node)
        if copied is not None:
            return copied
    return copy.deepcopy(value, memo)


def _tree_copy(node: Any, parent: Any, seen: set[int], node_type: type) -> Any:
    """``node`` copied under the copy ``parent``; None when the tree is not a plain one."""
    if id(node) in seen:
        return None
    seen.add(id(node))
    copied = object.__new__(type(node))
    attributes = {}
    for name, value in vars(node).items():
        if name == "parent":
            attributes[name] = parent
        elif name == "children":
            if value is None:
                attributes[name] = None
                continue
            if type(value) is not list:
                return None
            children = []
            for child in value:
                if isinstance(child, node_type):
                    if child.parent is not node:
                        return None
                    child_copy = _tree_copy(child, copied, seen, node_type)
                    if child_copy is None:
                        return None
                    children.append(child_copy)
                elif type(child) in _SCALARS:
                    children.append(child)
                else:
                    return None
            attributes[name] = children
        elif type(value) in _SCALARS:
            attributes[name] = value
        else:
            return None
    copied.__dict__.update(attributes)
    return copied


def _picked_keys() -> None:
    """Correction 19: the names a response member of a dict may go by are listed once per member."""
    from moto.core.serialize import MISSING, AttributePicker, get_value  # type: ignore[attr-defined]

    listed: dict[tuple[Any, ...], tuple[Any, Any, tuple[str, ...]]] = {}

    def possible_keys(picker: Any, context: Any) -> Any:
        if type(context.obj) is not dict:
            return picker.get_possible_keys(context)
        shape = context.shape
        parent = getattr(shape, "parent", None)
        key = (type(picker), tuple(picker.alias_providers), id(shape), id(parent), context.key)
        found = listed.get(key)
        if found is None or found[0] is not shape or found[1] is not parent:
            found = (shape, parent, tuple(picker.get_possible_keys(context)))
            if len(listed) >= 4096:  # a bound: shapes are the service models' own, a few hundred
                listed.clear()
            listed[key] = found
        return found[2]

    def __call__(self: Any, context: Any) -> Any:  # AttributePicker.__call__, its keys listed once
        obj = context.obj
        for possible_key in possible_keys(self, context):
            value = get_value(obj, possible_key, MISSING)
            if value is not MISSING:
                break
        else:
            value = None
        key_path = f"{context.key_path}.{context.key}"
        for transform_path, transform in self.response_transformers.items():
            if key_path.endswith(transform_path):
                value = transform(value)
                break
        return value

    AttributePicker.__call__ = __call__  # type: ignore[method-assign]


#: DynamoDB's AttributeValue: each member's type (a list's or map's members after the colon)
_ATTRIBUTE_VALUE_SHAPE = {
    "S": "string",
    "N": "string",
    "B": "blob",
    "SS": "list:string",
    "NS": "list:string",
    "BS": "list:blob",
    "M": "map:AttributeValue",
    "L": "list:AttributeValue",
    "NULL": "boolean",
    "BOOL": "boolean",
}
_SHAPES_SEEN: dict[int, tuple[Any, bool]] = {}


def is_attribute_value(shape: Any) -> bool:
    """Whether ``shape`` is DynamoDB's AttributeValue, as botocore's model gives it (checked once per
    shape object)."""
    seen = _SHAPES_SEEN.get(id(shape))
    if seen is not None and seen[0] is shape:
        return seen[1]
    found = _shape_is_attribute_value(shape)
    if len(_SHAPES_SEEN) < 4096:
        _SHAPES_SEEN[id(shape)] = (shape, found)
    return found


def _shape_is_attribute_value(shape: Any) -> bool:
    if getattr(shape, "type_name", None) != "structure" or shape.name != "AttributeValue":
        return False
    if shape.is_document_type or set(shape.metadata) - {"union"}:  # nothing required, no bounds
        return False
    members = shape.members
    if set(members) != set(_ATTRIBUTE_VALUE_SHAPE):
        return False
    for name, kind in _ATTRIBUTE_VALUE_SHAPE.items():
        member = members[name]
        if member.serialization or set(member.metadata) - {"max"}:  # nothing validated or renamed
            return False
        outer, _, inner = kind.partition(":")
        if member.type_name != outer:
            return False
        if outer == "list":
            element = member.member
            if element.serialization or set(element.metadata) - {"max"}:
                return False
            if (element.name if inner == "AttributeValue" else element.type_name) != inner:
                return False
        elif outer == "map":
            key = member.key
            if key.type_name != "string" or key.serialization or set(key.metadata) - {"max"}:
                return False
            if member.value.name != "AttributeValue":
                return False
    return True


def plainly_valid(value: Any) -> bool:
    """Whether ``value`` is an AttributeValue botocore's validation finds nothing wrong with, by its
    exact types (False: let the validation walk judge it)."""
    if type(value) is not dict or len(value) != 1:
        return False
    ((kind, member),) = value.items()
    if kind in ("S", "N"):
        return type(member) is str
    if kind in ("BOOL", "NULL"):
        return type(member) is bool
    if kind == "B":
        return type(member) in (bytes, bytearray, str)
    if kind in ("SS", "NS"):
        return type(member) in (list, tuple) and all(type(v) is str for v in member)
    if kind == "BS":
        return type(member) in (list, tuple) and all(type(v) in (bytes, bytearray, str) for v in member)
    if kind == "M":
        return type(member) is dict and all(type(k) is str and plainly_valid(v) for k, v in member.items())
    if kind == "L":
        return type(member) in (list, tuple) and all(plainly_valid(v) for v in member)
    return False


def serialized_value(serializer: Any, value: Any) -> Any:
    """A plainly valid AttributeValue as botocore's JSON serializer writes it (None: let it walk)."""
    if type(value) is not dict or len(value) != 1:
        return None
    ((kind, member),) = value.items()
    if kind in ("S", "N"):
        return {kind: member} if type(member) is str else None
    if kind in ("BOOL", "NULL"):
        return {kind: member} if type(member) is bool else None
    if kind == "B":
        return {kind: serializer._get_base64(member)} if type(member) in (bytes, bytearray, str) else None
    if kind in ("SS", "NS"):
        if type(member) not in (list, tuple) or not all(type(v) is str for v in member):
            return None
        return {kind: list(member)}
    if kind == "BS":
        if type(member) not in (list, tuple) or not all(type(v) in (bytes, bytearray, str) for v in member):
            return None
        return {kind: [serializer._get_base64(v) for v in member]}
    if kind == "M":
        if type(member) is not dict:
            return None
        written = serialized_map(serializer, member)
        return None if written is None else {kind: written}
    if kind == "L" and type(member) in (list, tuple):
        items = []
        for v in member:
            written = serialized_value(serializer, v)
            if written is None:
                return None
            items.append(written)
        return {kind: items}
    return None


def serialized_map(serializer: Any, values: dict[Any, Any]) -> dict[str, Any] | None:
    """An item (names → AttributeValues) as the serializer writes it (None: let it walk)."""
    written = {}
    for name, v in values.items():
        if type(name) is not str:
            return None
        one = serialized_value(serializer, v)
        if one is None:
            return None
        written[name] = one
    return written


def parsed_value(parser: Any, node: Any) -> Any:
    """An AttributeValue of a response as botocore's JSON parser reads it (None: let it walk)."""
    if type(node) is not dict or len(node) != 1:
        return None
    ((kind, member),) = node.items()
    if kind in ("S", "N"):
        return {kind: member} if type(member) is str else None
    if kind in ("BOOL", "NULL"):
        return {kind: member} if type(member) is bool else None
    if kind == "B":
        return {kind: parser._blob_parser(member)} if type(member) is str else None
    if kind == "M":
        read = parsed_map(parser, member) if type(member) is dict else None
        return None if read is None else {kind: read}
    if type(member) is not list:
        return None
    if kind in ("SS", "NS"):
        return {kind: list(member)}  # the walk keeps each member as it is (None too)
    if kind == "BS":
        return {kind: [None if v is None else parser._blob_parser(v) for v in member]}
    if kind == "L":
        items: list[Any] = []
        for v in member:
            if v is None:
                items.append(None)
                continue
            read = parsed_value(parser, v)
            if read is None:
                return None
            items.append(read)
        return {kind: items}
    return None


def parsed_map(parser: Any, node: dict[Any, Any]) -> dict[Any, Any] | None:
    """An item of a response (names → AttributeValues) as the parser reads it (None: let it walk)."""
    read: dict[Any, Any] = {}
    for name, v in node.items():
        if v is None:
            read[name] = None  # the walk reads a null AttributeValue as None
            continue
        one = parsed_value(parser, v)
        if one is None:
            return None
        read[name] = one
    return read


def _sdk_attribute_values() -> None:
    """Correction 20: botocore validates, writes and reads plain AttributeValues directly."""
    from botocore.parsers import BaseJSONParser
    from botocore.serialize import JSONSerializer
    from botocore.validate import ParamValidator

    original_validate = ParamValidator._validate

    def _validate(self: Any, params: Any, shape: Any, errors: Any, name: str) -> None:
        if CLIENT_SIDE:
            if is_attribute_value(shape):
                if plainly_valid(params):
                    return
            elif (
                shape.type_name == "map"
                and type(params) is dict
                and is_attribute_value(shape.value)
                and _plain_key_shape(shape.key)
                and all(type(k) is str and plainly_valid(v) for k, v in params.items())
            ):
                return
        original_validate(self, params, shape, errors, name)

    ParamValidator._validate = _validate

    original_serialize = JSONSerializer._serialize

    def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: Any = None) -> None:
        if CLIENT_SIDE and key is not None and _walks_as(type(self), JSONSerializer, _SERIALIZER_WALK):
            written = None
            if is_attribute_value(shape):
                written = serialized_value(self, value)
            elif shape.type_name == "map" and type(value) is dict and is_attribute_value(shape.value):
                written = serialized_map(self, value)
            if written is not None:
                serialized[key] = written
                return
        original_serialize(self, serialized, value, shape, key)

    JSONSerializer._serialize = _serialize

    original_structure = BaseJSONParser._handle_structure
    original_map = BaseJSONParser._handle_map

    def _handle_structure(self: Any, shape: Any, value: Any) -> Any:
        if CLIENT_SIDE and is_attribute_value(shape) and _walks_as(type(self), BaseJSONParser, _PARSER_WALK):
            read = parsed_value(self, value)
            if read is not None:
                return read
        return original_structure(self, shape, value)

    def _handle_map(self: Any, shape: Any, value: Any) -> Any:
        if (
            CLIENT_SIDE
            and type(value) is dict
            and is_attribute_value(shape.value)
            and shape.key.type_name == "string"
            and _walks_as(type(self), BaseJSONParser, _PARSER_WALK)
        ):
            read = parsed_map(self, value)
            if read is not None:
                return read
        return original_map(self, shape, value)

    BaseJSONParser._handle_structure = _handle_structure
    BaseJSONParser._handle_map = _handle_map


def _plain_key_shape(shape: Any) -> bool:
    """Whether a map's key shape is a string the validation only type-checks (no min, no traits)."""
    return bool(shape.type_name == "string" and not set(shape.metadata) - {"max"} and not shape.serialization)


#: the methods botocore's JSON serializer and parser walk an AttributeValue with (their own, or
#: none, where the walk falls back to its default)
_SERIALIZER_WALK = (
    "_serialize_type_structure",
    "_serialize_type_map",
    "_serialize_type_list",
    "_serialize_type_blob",
    "_serialize_type_string",
    "_serialize_type_boolean",
    "_default_serialize",
    "_get_base64",
)
_PARSER_WALK = (
    "_handle_structure",
    "_handle_map",
    "_handle_list",
    "_handle_blob",
    "_handle_string",
    "_handle_boolean",
    "_default_handle",
    "_parse_shape",
)
_WALKS: dict[tuple[type, type], bool] = {}


def _walks_as(cls: type, base: type, methods: tuple[str, ...]) -> bool:
    """Whether ``cls`` walks an AttributeValue with ``base``'s methods (a subclass that overrides one,
    as a REST parser's string handler does, keeps its own walk)."""
    found = _WALKS.get((cls, base))
    if found is None:
        found = _WALKS[(cls, base)] = all(
            getattr(cls, name, None) is getattr(base, name, None) for name in methods
        )
    return found


def _request_ids() -> None:
    """Correction 21: a response's request id is drawn in one call."""
    import string

    from moto.core import responses

    characters = string.ascii_letters + string.digits  # as get_random_string draws them

    def gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
        from moto.moto_api._internal import mock_random

        request_id = "".join(mock_random.choices(characters, k=52))
        if headerdict is not None and isinstance(headerdict, dict):
            headerdict.update({"x-amzn-requestid": request_id})
        return request_id

    responses.gen_amzn_requestid_long = gen_amzn_requestid_long


def _root_urls() -> None:
    """Correction 22: a request's root URL is worked out once per origin."""
    from moto.core.request import Request
    from werkzeug.utils import cached_property
    from werkzeug.wrappers import Request as WerkzeugRequest

    original = WerkzeugRequest.root_url.fget  # type: ignore[attr-defined]
    roots: dict[tuple[Any, ...], str] = {}

    def root_url(self: Any) -> str:
        trusted = self.trusted_hosts
        key = (
            type(self),
            None if trusted is None else tuple(trusted),
            self.scheme,
            self.headers.get("host"),
            self.server,
            self.root_path,
        )
        try:
            found = roots.get(key)
        except TypeError:  # an unhashable part: not what werkzeug builds
            return str(original(self))
        if found is None:
            found = str(original(self))
            if len(roots) >= 1024:
                roots.clear()
            roots[key] = found
        return found

    Request.root_url = cached_property(root_url, name="root_url")  # type: ignore[method-assign]


def _empty_set_checks() -> None:
    """Correction 23: a put's attributes are checked against its table's key attributes listed once."""
    from moto.dynamodb import responses
    from moto.dynamodb.exceptions import MockValidationException

    def _validate_attr(attr: dict[str, Any]) -> None:  # moto's (its loop's else: always run)
        for set_type, error in [("NS", "number"), ("SS", "string")]:
            if set_type in attr and attr[set_type] == []:
                raise MockValidationException(
                    "1 validation error detected: One or more parameter values were invalid: "
                    f"An {error} set  may not be empty"
                )
        for val in attr.values():
            if isinstance(val, dict):
                _validate_attr(val)

    def validate_put_has_empty_attrs(field_updates: dict[str, Any], table: Any) -> None:
        if table:
            key_names = table.attribute_keys
            for attr, val in field_updates.items():
                if attr not in key_names:
                    _validate_attr(val)

    responses.validate_put_has_empty_attrs = validate_put_has_empty_attrs


def _expression_walks(traverser: type) -> None:
    """Correction 24: a walk's processing map is kept per walk, its no-op child hook not called."""
    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

    no_hook = traverser.pre_processing_of_child  # type: ignore[attr-defined]

    def process(self: Any, node: Any) -> Any:
        processors = self.__dict__.get("_processors")
        if processors is None:
            processors = self.__dict__["_processors"] = tuple(self._processing_map().items())
        for class_key, processor in processors:
            if isinstance(node, class_key):
                return processor(node)
        return None

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        if isinstance(node, Node):
            parent_node = node.parent
            if node.children is not None:
                hook = None if type(self).pre_processing_of_child is no_hook else self.pre_processing_of_child
                for i, child_node in enumerate(node.children):
                    if hook is not None:
                        hook(node, i)
                    self.traverse_node_recursively(child_node, i)
            if isinstance(node, self.nodes_to_be_processed()):
                node = self.process(node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    traverser.process = process  # type: ignore[attr-defined]
    traverser.traverse_node_recursively = traverse_node_recursively  # type: ignore[attr-defined]


def _backend_lookups() -> None:
    """Correction 25: a backend whose account is there already is looked up without re-registering."""
    from moto.core import base_backend

    original = base_backend.BackendDict._create_account_specific_backend

    def _create_account_specific_backend(self: Any, account_id: str) -> None:
        with base_backend.backend_lock:
            if dict.__contains__(self, account_id):  # added, and registered, by moto's method
                return
        original(self, account_id)

    base_backend.BackendDict._create_account_specific_backend = _create_account_specific_backend  # type: ignore[method-assign]


def _plain_utcnow() -> None:
    """Correction 26: moto's utcnow without an import per call, wherever moto imported it."""
    import datetime
    import sys

    from moto.core import utils

    original = utils.utcnow

    def utcnow() -> datetime.datetime:
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # noqa: UP017 - as moto does

    for module in list(sys.modules.values()):  # every module that imported it by name
        if getattr(module, "utcnow", None) is original and (module.__name__ or "").startswith("moto"):
            module.utcnow = utcnow  # type: ignore[attr-defined]


def _item_copies() -> None:
    """Correction 27: an item's attribute values are copied as DynamoType.__deepcopy__ copies them."""
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    def value_copy(value: Any, memo: dict[int, Any]) -> Any:
        if type(value) is not DynamoType:
            return copy.deepcopy(value, memo)
        found = memo.get(id(value))
        if found is not None:
            return found
        result = DynamoType.__new__(DynamoType)
        memo[id(value)] = result
        result.type = value.type
        if value.is_list():
            result.value = [value_copy(v, memo) for v in value.value]
        elif value.is_map():
            result.value = {k: value_copy(v, memo) for k, v in value.value.items()}
        elif value.is_set():
            result.value = list(value.value)
        else:
            result.value = value.value
        return result

    def __deepcopy__(
        self: Any, memo: dict[int, Any]
    ) -> Any:  # moto's Item.__deepcopy__, values copied directly
        if id(self) in memo:
            return memo[id(self)]
        result = self.__class__.__new__(self.__class__)
        memo[id(self)] = result
        result.hash_key = value_copy(self.hash_key, memo)
        result.range_key = value_copy(self.range_key, memo)
        attrs_copy = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs_copy)
        for key, value in self.attrs.items():
            dict.__setitem__(attrs_copy, key, value_copy(value, memo))
        result.attrs = attrs_copy
        return result

    Item.__deepcopy__ = __deepcopy__  # type: ignore[method-assign]
