"""The console's local site (files, dev sign-in) and its publishing to a deployed stack's bucket."""

from __future__ import annotations

import json
import re
from typing import Any

import jwt
import pytest

from local import devsecrets
from local.console_publish import console_config, publish, uploads
from local.console_site import ConsoleSite

TEAMS = ["billing", "customer-care"]


@pytest.fixture
def site() -> ConsoleSite:
    return ConsoleSite(lambda: TEAMS)


def test_the_page_and_its_modules_are_served_with_a_strict_content_security_policy(site: ConsoleSite) -> None:
    page = site.handle("GET", "/", None)
    assert page is not None and page.status == 200 and b'type="module"' in page.body
    assert "script-src 'self'" in page.headers["content-security-policy"]
    module = site.handle("GET", "/console/js/main.js", None)
    assert module is not None and module.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert site.handle("GET", "/console/../template.yaml", None).status == 404  # type: ignore[union-attr]
    assert site.handle("GET", "/tickets", None) is None  # the API's
    assert json.loads(site.handle("GET", "/config.json", None).body) == {"mode": "dev", "apiBase": ""}  # type: ignore[union-attr]


def test_no_asset_comes_from_another_origin() -> None:
    """No CDN at run time: the only absolute URL in the console is the SVG namespace (not a load)."""
    for _, path in uploads():
        if path.suffix in (".html", ".js", ".css", ".svg"):
            urls = set(re.findall(r"https?://[^\s\"'`)]+", path.read_text()))
            assert urls <= {"http://www.w3.org/2000/svg"}, (path, urls)


def test_the_dev_sign_in_mints_a_token_the_local_authorizer_accepts(site: ConsoleSite) -> None:
    body = json.dumps({"subject": "ann", "teams": ["customer-care"], "role": "lead"}).encode()
    minted = site.handle("POST", "/_local/token", body)
    assert minted is not None and minted.status == 200
    claims = jwt.decode(
        json.loads(minted.body)["token"],
        devsecrets.JWT_DEV_KEY,
        algorithms=["HS256"],
        options={"verify_aud": False},
    )
    assert (claims["sub"], claims["teams"], claims["role"]) == ("ann", ["customer-care"], "lead")
    for bad in (
        {"subject": "Ann!", "teams": ["customer-care"]},
        {"subject": "ann", "teams": ["nope"]},
        {"subject": "ann", "teams": ["billing"], "role": "root"},
    ):
        refused = site.handle("POST", "/_local/token", json.dumps(bad).encode())
        assert refused is not None and refused.status == 400


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def put_object(self, **kwargs: Any) -> None:
        self.calls.append(("put", kwargs))

    def create_invalidation(self, **kwargs: Any) -> None:
        self.calls.append(("invalidate", kwargs))


def test_publishing_uploads_the_files_and_a_config_for_the_idp() -> None:
    outputs = {
        "ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com",
        "ConsoleBucketName": "b",
        "ConsoleDistributionId": "E1",
    }
    config = console_config(outputs, {"JwtIssuer": "https://idp.example.com/"}, "client-123")
    assert config["oidc"] == {
        "issuer": "https://idp.example.com/",
        "clientId": "client-123",
        "scope": "openid profile email",
        "token": "id_token",
    }
    s3 = Recorder()
    written = publish(s3, s3, outputs, config)
    keys = {c[1]["Key"]: c[1] for c in s3.calls if c[0] == "put"}
    assert {"index.html", "config.json", "console/js/main.js", "console/app.css"} <= set(keys) == set(written)
    assert (
        keys["index.html"]["CacheControl"] == "no-cache"
        and keys["console/app.css"]["ContentType"] == "text/css"
    )
    assert s3.calls[-1][0] == "invalidate"
