#!/usr/bin/env python3
"""Extract the JSON Schemas of the CloudTower operations the simulator serves from the
official OpenAPI 3.0 document, translated to plain JSON Schema (draft 7):

* `nullable: true` becomes a type array with "null" (or `anyOf [..., {"type": "null"}]`
  around `allOf`/`$ref`), and `null` joins an `enum`;
* `#/components/schemas/X` becomes `#/definitions/X`;
* `format: int32` adds its range; descriptions, examples and `deprecated` are dropped.

Writes two data files (committed; re-run after changing the list of operations):

* crates/vmdeck-sim/src/cloudtower/spec/requests.json  request bodies: the simulator validates every body
  against them (and the conformance test checks its own requests with them);
* tests/fixtures/cloudtower/schemas.json  answer bodies per status, for the conformance test.

Usage: scripts/cloudtower-schemas.py [path/to/4.6.0-swagger.json]
(default: ../shared/specs/cloudtower/4.6.0-swagger.json next to the repository).
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Every operation the simulator serves; list ops get their `-connection` twin too.
LISTS = [
    "get-clusters", "get-hosts", "get-vms", "get-vm-disks", "get-vm-volumes", "get-vlans",
    "get-vdses", "get-vm-snapshots", "get-iscsi-lun-snapshots", "get-tasks",
    "get-backup-services", "get-backup-store-repositories", "get-backup-plans",
    "get-backup-restore-points", "get-backup-plan-executions",
    "get-backup-restore-executions", "get-backup-target-executions",
]
OTHERS = [
    "login", "create-vm-snapshot", "rollback-vm", "rebuild-vm-from-snapshot",
    "delete-vm-snapshot", "get-backup-restore-point-metadata", "backup-restore-vm-in-place",
    "backup-rebuild-vm", "execute-backup-plan", "delete-backup-restore-point", "start-vm",
    "shutdown-vm", "poweroff-vm", "get-vm-vnc-info", "delete-vm", "resource-changes",
]
OPS = [p for l in LISTS for p in (l, l + "-connection")] + OTHERS

INT32 = (-(2**31), 2**31 - 1)


def translate(x):
    if isinstance(x, list):
        return [translate(v) for v in x]
    if not isinstance(x, dict):
        return x
    out = {}
    for k, v in x.items():
        if k in ("description", "example", "deprecated", "nullable"):
            continue
        if k == "$ref":
            out[k] = "#/definitions/" + v.split("/")[-1]
        elif k == "properties":
            out[k] = {name: translate(p) for name, p in v.items()}
        else:
            out[k] = translate(v)
    if x.get("format") == "int32" and x.get("type") == "integer":
        out.setdefault("minimum", INT32[0])
        out.setdefault("maximum", INT32[1])
    if out.get("format") in ("int32", "int64", "double", "float"):
        del out["format"]
    if x.get("nullable"):
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def refs(x, acc):
    if isinstance(x, dict):
        if "$ref" in x:
            acc.add(x["$ref"].split("/")[-1])
        for v in x.values():
            refs(v, acc)
    elif isinstance(x, list):
        for v in x:
            refs(v, acc)


def closure(schemas, roots):
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        acc = set()
        refs(schemas[n], acc)
        todo.extend(acc - seen)
    return seen


def main():
    spec_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "..", "shared", "specs", "cloudtower", "4.6.0-swagger.json")
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    schemas = spec["components"]["schemas"]
    ops = {}
    req_roots, all_roots = set(), set()
    for name in OPS:
        (method, op), = spec["paths"]["/" + name].items()
        entry = {"method": method.upper(), "operationId": op["operationId"]}
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "schema" in body:
            entry["request"] = translate(body["schema"])
            refs(body["schema"], req_roots)
        for status, resp in op["responses"].items():
            schema = resp.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                entry[status] = translate(schema)
                refs(schema, all_roots)
        ops["/" + name] = entry
    # get-version: GET, a bare string, no auth.
    ver = spec["paths"]["/get-version"]["get"]
    ops["/get-version"] = {
        "method": "GET",
        "operationId": ver["operationId"],
        "200": translate(ver["responses"]["200"]["content"]["application/json"]["schema"]),
    }
    info = {"title": spec["info"]["title"], "version": spec["info"]["version"]}

    def write(path, keep, roots):
        names = sorted(closure(schemas, roots))
        doc = {
            "generated_by": "scripts/cloudtower-schemas.py",
            "source": info,
            "operations": {
                p: {k: v for k, v in e.items() if keep(k)}
                for p, e in sorted(ops.items())
            },
            "definitions": {n: translate(schemas[n]) for n in names},
        }
        full = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {len(names)} definitions, {os.path.getsize(full)} bytes")

    write("crates/vmdeck-sim/src/cloudtower/spec/requests.json", lambda k: k in ("method", "operationId", "request"), req_roots)
    write("tests/fixtures/cloudtower/schemas.json", lambda k: k != "request", all_roots)


if __name__ == "__main__":
    main()
