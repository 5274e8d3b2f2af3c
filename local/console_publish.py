"""Publish the console to a deployed stack: console/ and a config.json into its bucket, then invalidate.

``make console-publish STACK=<stack> OIDC_CLIENT_ID=<client id>`` runs this with your AWS credentials
(it is an operator's command, never deployed). config.json tells the page where the API is and how
to sign in: OpenID Connect, authorization code + PKCE, against the stack's ``JwtIssuer``.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

from local.console_site import CONSOLE

#: the entry points change with every upload; the versioned assets below them may be cached briefly
_NO_CACHE = {"index.html", "config.json"}


def console_config(
    outputs: dict[str, str], parameters: dict[str, str], client_id: str, **oidc: str
) -> dict[str, Any]:
    """What the deployed page reads at start (``/config.json``)."""
    return {
        "mode": "oidc",
        "apiBase": outputs["ApiUrl"],
        "oidc": {
            "issuer": parameters["JwtIssuer"],
            "clientId": client_id,
            "scope": oidc.get("scope") or "openid profile email",
            "token": oidc.get("token") or "id_token",
        },
    }


def uploads(root: Path = CONSOLE) -> list[tuple[str, Path]]:
    """(key, file) for every console file: ``index.html`` at the root, the rest under ``console/``."""
    files = [("index.html", root / "index.html")]
    files += [
        (f"console/{p.relative_to(root).as_posix()}", p) for p in sorted(root.rglob("*")) if p.is_file()
    ]
    return files


def publish(
    s3: Any, cloudfront: Any, outputs: dict[str, str], config: dict[str, Any], root: Path = CONSOLE
) -> list[str]:
    """Upload the files and config.json to ``ConsoleBucketName``; invalidate the distribution."""
    bucket = outputs["ConsoleBucketName"]
    written = []
    for key, path in uploads(root):
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "no-cache" if key in _NO_CACHE else "public, max-age=300"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
        written.append(key)
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config, indent=2).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    written.append("config.json")
    if outputs.get("ConsoleDistributionId"):
        cloudfront.create_invalidation(
            DistributionId=outputs["ConsoleDistributionId"],
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": str(time.time()),
            },
        )
    return written


def main() -> None:
    """``make console-publish``: read the stack's outputs and parameters, publish, print the URL."""
    import boto3

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--client-id", required=True, help="the console's (public) client id at the IdP")
    parser.add_argument("--scope", default=None)
    parser.add_argument("--token", default=None, choices=["id_token", "access_token"])
    args = parser.parse_args()
    stack = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    config = console_config(
        outputs, parameters, args.client_id, scope=args.scope or "", token=args.token or ""
    )
    written = publish(boto3.client("s3"), boto3.client("cloudfront"), outputs, config)
    print(f"published {len(written)} files; the console is at {outputs['ConsoleUrl']}")


if __name__ == "__main__":
    main()
