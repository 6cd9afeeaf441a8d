#!/usr/bin/env python3
"""Checks a running shipwindow server's API description the way a client would
use it: `/v1/openapi.json` must validate as OpenAPI 3.1, and a client driven
only by that document must be able to call `/v1/check` (GET with its query
parameters, POST with its JSON body) and get answers that match the declared
response schemas. Prints every problem; exits 1 if there is any.

Usage: validate_and_call.py BASE_URL  (e.g. http://127.0.0.1:8080)
Needs the PyPI package `openapi-spec-validator` (it brings
`openapi-schema-validator`); scripts/test.sh installs it when missing.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

try:
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import OpenAPIV31SpecValidator
except ImportError as e:
    sys.exit(f"error: {e}; install it with `python3 -m pip install openapi-spec-validator`")

# What the caller of a generated client passes, by parameter or property name.
ARGUMENTS = {"service": "web", "env": "prod", "at": "2026-11-27T17:30:00+09:00"}

problems = []


def fetch(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def operation(doc, operation_id):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method.upper(), op
    problems.append(f"no operation `{operation_id}`")
    return None


def schema_check(doc, schema, instance, what):
    # The schema's references point into the document's components.
    rooted = dict(schema, components=doc.get("components", {}))
    for e in OAS31Validator(rooted).iter_errors(instance):
        problems.append(f"{what}: {e.message} at {list(e.absolute_path)}")


def response_check(doc, op, status, body, what):
    declared = op["responses"].get(str(status))
    if declared is None:
        problems.append(f"{what}: status {status} is not declared")
        return
    schema = declared["content"]["application/json"]["schema"]
    schema_check(doc, schema, body, f"{what} ({status})")


def main(base):
    doc = fetch("GET", base + "/v1/openapi.json")[1]
    for e in OpenAPIV31SpecValidator(doc).iter_errors():
        problems.append(f"not valid OpenAPI 3.1: {e.message}")

    found = operation(doc, "checkQuery")
    if found:
        path, method, op = found
        query = {}
        for p in op.get("parameters", []):
            if p["in"] != "query":
                continue
            if p["name"] in ARGUMENTS:
                query[p["name"]] = ARGUMENTS[p["name"]]
            elif p.get("required"):
                problems.append(f"{method} {path}: required `{p['name']}` has no argument")
        status, body = fetch(method, f"{base}{path}?{urllib.parse.urlencode(query)}")
        if status != 200:
            problems.append(f"{method} {path}: {status} {body}")
        response_check(doc, op, status, body, f"{method} {path}")
        if body.get("verdict") != "deny":
            problems.append(f"{method} {path}: Black Friday should be denied: {body}")
        # Leaving out a required parameter is a declared 400.
        del query["env"]
        status, body = fetch(method, f"{base}{path}?{urllib.parse.urlencode(query)}")
        response_check(doc, op, status, body, f"{method} {path} without env")

    found = operation(doc, "checkBody")
    if found:
        path, method, op = found
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        ref = schema["$ref"].rsplit("/", 1)[-1]
        declared = doc["components"]["schemas"][ref]
        body = {k: ARGUMENTS[k] for k in declared["properties"] if k in ARGUMENTS}
        for k in declared.get("required", []):
            if k not in body:
                problems.append(f"{method} {path}: required `{k}` has no argument")
        schema_check(doc, schema, body, f"{method} {path} request")
        status, answer = fetch(method, base + path, body)
        if status != 200:
            problems.append(f"{method} {path}: {status} {answer}")
        response_check(doc, op, status, answer, f"{method} {path}")

    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("ok: /v1/openapi.json is valid OpenAPI 3.1 and a client built from it calls /v1/check")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"))
