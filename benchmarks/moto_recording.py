"""Reads moto's request recorder: which AWS action each recorded request was.

Standard library only. Used by benchmarks/sandbox.py and by the provisioning integration tests
(tests/integration/provision_support.py) to count API calls and mutating calls.
"""

import base64
from urllib.parse import parse_qs, urlparse


def action_of(entry):
    """(action, parameters) of one recorded request (a JSON line of download-recording).

    The action comes from X-Amz-Target (JSON protocol), the operation in the path (CBOR
    protocol), Action= in the body or query (query protocol: EC2, RDS, ElastiCache, IAM, ...),
    else the method and path (REST protocols). Parameters are decoded for the query protocol
    only; they are {} otherwise.
    """
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    url = urlparse(entry.get("url", ""))
    if "x-amz-target" in headers:
        return headers["x-amz-target"].split(".")[-1], {}
    if "/operation/" in url.path:
        return url.path.rstrip("/").split("/")[-1], {}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    for query in (body, url.query):
        params = parse_qs(query)
        if "Action" in params:
            return params["Action"][0], params
    return "%s %s" % (entry.get("method"), url.path), {}
