"""The contract's JSON Schema (draft 2020-12), derived from the contract model.

Editors use it to complete and validate contract YAML files (the YAML language server
reads a ``# yaml-language-server: $schema=...`` line); the documentation publishes it.
What the schema cannot say (a minimum above a maximum, a dtype string polars cannot
read) the loader still reports, with file, line and key.
"""

from __future__ import annotations

import json
from typing import Any

from pipewarden.contracts.dtypes import DTYPE_EXAMPLES
from pipewarden.contracts.model import Contract

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def contract_json_schema() -> dict[str, Any]:
    """The JSON Schema of a contract file (``kind: pipewarden/contract``, version 1)."""
    schema = Contract.model_json_schema(mode="validation")
    schema = {
        "$schema": DIALECT,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        "title": "pipewarden contract",
        "description": (
            "What a batch must look like: columns, their kinds and dtypes, nulls, "
            "ranges, categories, row counts, time and label. Written by `pipewarden "
            "contract infer`, checked by `pipewarden check`."
        ),
    }
    # The loader refuses a file without them, though the model has defaults.
    schema["required"] = sorted({*schema.get("required", []), "kind", "version"})
    column = schema["$defs"]["ColumnSpec"]["properties"]["dtype"]
    column["description"] = f"{column.get('description', '')} E.g. {DTYPE_EXAMPLES}."
    column["minLength"] = 1
    return schema


def dump_json_schema() -> str:
    """The schema as indented JSON text, ending with a newline."""
    return json.dumps(contract_json_schema(), indent=2) + "\n"
