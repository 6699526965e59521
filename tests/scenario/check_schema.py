#!/usr/bin/env python3
"""Checks docs/scenario.schema.json against the scenarios of the repository.

  check_schema.py SOURCE_DIR

1. The schema is a valid JSON Schema (draft 2020-12).
2. Every scenarios/*.json validates against it.
3. Every tests/scenario/invalid/*.json is rejected by it (the C++ loader rejects them too:
   tests/scenario/test_scenarios_dir.cpp).
4. Every key the schema defines is used by at least one scenario in scenarios/, and every timeline
   action appears in one: docs/scenario-format.md promises that the shipped scenarios exercise the
   whole language.

Needs the jsonschema module (Debian: python3-jsonschema, installed by tools/setup-deps.sh).
Exits 1 on any failure, listing every problem.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("check_schema: the Python module jsonschema is missing: install python3-jsonschema "
          "(tools/setup-deps.sh does)", file=sys.stderr)
    sys.exit(1)


def schema_paths(node, defs, path, out, depth=0):
    if depth > 40 or not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        schema_paths(defs[name], defs, path, out, depth + 1)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(keyword, []):
            schema_paths(sub, defs, path, out, depth + 1)
    for key, sub in node.get("properties", {}).items():
        out.add(path + (key,))
        schema_paths(sub, defs, path + (key,), out, depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out.add(path + ("*",))
        schema_paths(extra, defs, path + ("*",), out, depth + 1)
    if isinstance(node.get("items"), dict):
        schema_paths(node["items"], defs, path + ("[]",), out, depth + 1)


def document_paths(value, path, out):
    if isinstance(value, dict):
        for key, sub in value.items():
            out.add(path + (key,))
            document_paths(sub, path + (key,), out)
    elif isinstance(value, list):
        for sub in value:
            document_paths(sub, path + ("[]",), out)


def covered(schema_path, used):
    for p in used:
        if len(p) == len(schema_path) and all(s in ("*", u) for s, u in zip(schema_path, p)):
            return True
    return False


def main():
    source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    schema_file = source / "docs" / "scenario.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    problems = []
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{schema_file}: not a valid JSON Schema: {e.message}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    scenarios = sorted((source / "scenarios").glob("*.json"))
    if not scenarios:
        problems.append("scenarios/: no *.json scenario")
    used = set()
    actions = set()
    for file in scenarios:
        document = json.loads(file.read_text(encoding="utf-8"))
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{file.relative_to(source)}: {pointer}: {error.message}")
        document_paths(document, (), used)
        for entry in document.get("timeline", []) if isinstance(document, dict) else []:
            if isinstance(entry, dict):
                actions.add(entry.get("action"))

    invalid = sorted((source / "tests" / "scenario" / "invalid").glob("*.json"))
    for file in invalid:
        document = json.loads(file.read_text(encoding="utf-8"))
        if validator.is_valid(document):
            problems.append(f"{file.relative_to(source)}: the schema accepts it, but it is invalid")

    defined = set()
    schema_paths(schema, schema["$defs"], (), defined)
    for path in sorted(defined):
        if not covered(path, used):
            problems.append("no scenario in scenarios/ uses " + ".".join(path))
    all_actions = schema["properties"]["timeline"]["items"]["properties"]["action"]["enum"]
    for action in all_actions:
        if action not in actions:
            problems.append(f"no scenario in scenarios/ uses the timeline action {action}")

    for p in problems:
        print(p, file=sys.stderr)
    print(f"check_schema: {len(scenarios)} scenarios valid and {len(invalid)} invalid examples rejected; "
          f"{len(defined)} schema keys and {len(all_actions)} actions checked for coverage; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
