"""Validate responses against the BrAPI specification's OpenAPI YAML sources (the shared
``brapi/Specification`` tree): the fragments are merged into one document, OpenAPI 3.0's
``nullable`` becomes JSON Schema, and a response is checked with ``jsonschema_rs``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {
        k: _json_schema(v)
        for k, v in node.items()
        if k not in {"example", "examples", "discriminator", "xml"} and not k.startswith("x-")
    }
    if converted.pop("nullable", False):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted:
                converted["enum"] = [*converted["enum"], None]
        else:
            return {"anyOf": [{"type": "null"}, converted]}
    return converted


@cache
def specification(root: Path) -> dict[str, Any]:
    """The merged specification (paths and components) of every YAML file under ``root``."""
    merged: dict[str, Any] = {"paths": {}, "components": {}}
    for path in sorted(root.rglob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _merge(merged["paths"], document.get("paths") or {})
        _merge(merged["components"], document.get("components") or {})
    return merged


def validate(root: Path, path: str, body: Any) -> None:
    """Raise ``jsonschema_rs.ValidationError`` unless ``body`` is a valid 200 answer of
    ``GET path`` (the specification's path, e.g. ``/germplasm/{germplasmDbId}/mcpd``)."""
    spec = specification(root)
    response = spec["paths"][path]["get"]["responses"]["200"]
    if "$ref" in response:  # '#/components/responses/…'
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    document = _json_schema({**schema, "components": spec["components"]})
    jsonschema_rs.validator_for(document).validate(body)
