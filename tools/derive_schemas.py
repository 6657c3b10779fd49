#!/usr/bin/env python3
"""Derives Gregor's protocol schema files from Kafka's message definitions.

Usage: tools/derive_schemas.py [KAFKA_MESSAGES_DIR] [OUT_DIR]
  defaults: /work/shared/reference/kafka-protocol/messages  src/protocol/schema

Kafka's files are JSON with `//` comment lines and prose (`about`). We keep only the data
the codec generator needs (names, types, versions, defaults, tags) and drop everything else,
so src/protocol/schema/ holds facts about the wire format, not Kafka's documentation.
Included: every request, response and header schema, plus the consumer protocol blobs
(ConsumerProtocolSubscription / ConsumerProtocolAssignment).
"""
import json
import os
import re
import sys

TOP_KEYS = ["apiKey", "type", "name", "validVersions", "flexibleVersions",
            "latestVersionUnstable", "fields", "commonStructs"]
FIELD_KEYS = ["name", "type", "versions", "nullableVersions", "taggedVersions", "tag",
              "default", "ignorable", "mapKey", "entityType", "flexibleVersions", "fields"]
STRUCT_KEYS = ["name", "versions", "fields"]
DATA_FILES = {"ConsumerProtocolSubscription", "ConsumerProtocolAssignment"}


def strip_comments(text: str) -> str:
    # Kafka's files only use whole-line `//` comments (verified: no trailing comments),
    # so dropping those lines is enough and never touches string contents.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def keep_field(f: dict) -> dict:
    out = {}
    for k in FIELD_KEYS:
        if k not in f:
            continue
        if k == "fields":
            out[k] = [keep_field(x) for x in f[k]]
        else:
            out[k] = f[k]
    return out


def keep_struct(s: dict) -> dict:
    out = {k: s[k] for k in STRUCT_KEYS if k in s and k != "fields"}
    out["fields"] = [keep_field(x) for x in s.get("fields", [])]
    return out


def derive(src: dict) -> dict:
    out = {}
    for k in TOP_KEYS:
        if k not in src:
            continue
        if k == "fields":
            out[k] = [keep_field(x) for x in src[k]]
        elif k == "commonStructs":
            out[k] = [keep_struct(x) for x in src[k]]
        else:
            out[k] = src[k]
    return out


def dump(value, indent: int = 0) -> str:
    """JSON with one field per line: compact, and diffs stay readable."""
    pad = "  " * indent
    if isinstance(value, dict):
        parts = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()
                 if not (isinstance(v, list) and v and isinstance(v[0], dict))]
        lists = [(k, v) for k, v in value.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if not lists:
            return "{" + ", ".join(parts) + "}"
        lines = ["{" + ", ".join(parts) + ("," if lists else "")]
        for i, (k, v) in enumerate(lists):
            items = [pad + "    " + dump(x, indent + 2) for x in v]
            lines.append(pad + f"  {json.dumps(k)}: [\n" + ",\n".join(items) + "\n" + pad + "  ]"
                         + ("," if i + 1 < len(lists) else ""))
        lines.append(pad + "}")
        return "\n".join(lines)
    return json.dumps(value)


def wanted(name: str, kind: str) -> bool:
    return kind in ("request", "response", "header") or name in DATA_FILES


def main() -> None:
    src_dir = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/kafka-protocol/messages"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else "src/protocol/schema"
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for fn in sorted(os.listdir(src_dir)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(src_dir, fn)) as f:
            doc = json.loads(strip_comments(f.read()))
        if not wanted(doc["name"], doc["type"]):
            continue
        if not re.fullmatch(r"[A-Za-z0-9]+", doc["name"]):
            sys.exit(f"{fn}: unexpected name {doc['name']!r}")
        with open(os.path.join(out_dir, doc["name"] + ".json"), "w") as f:
            f.write(dump(derive(doc)) + "\n")
        count += 1
    print(f"wrote {count} schema files to {out_dir}")


if __name__ == "__main__":
    main()
