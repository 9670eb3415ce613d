#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Validate failoverd status JSON against docs/status.schema.json.
#   validate-status.py SCHEMA FILE   (FILE holds one JSON document)
# Exit 0 = valid, 1 = invalid (errors printed), 2 = usage/unreadable.
import json
import sys

import jsonschema

if len(sys.argv) != 3:
    print("usage: validate-status.py SCHEMA FILE", file=sys.stderr)
    sys.exit(2)
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    print(f"cannot read: {e}", file=sys.stderr)
    sys.exit(2)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print(f"{'/'.join(str(p) for p in e.path) or '<root>'}: {e.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
