"""Read and write contracts as YAML, reporting file, line and key for mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipewarden.contracts.model import (
    IMBALANCE_INFO_SHARE,
    KIND,
    VERSION,
    ColumnConform,
    ColumnDrift,
    Contract,
)
from pipewarden.errors import ContractNotFoundError, ContractParseError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (about ten times faster)."""

_HEADER = (
    "# pipewarden contract: edit freely. Every key is documented in the README\n"
    '# ("Contracts"). Check a batch with: pipewarden check THIS_FILE DATA\n'
)


# misc: without PyYAML stubs SafeDumper is Any; unused-ignore: with types-PyYAML it is not.
class _Dumper(yaml.SafeDumper):  # type: ignore[misc, unused-ignore]
    """SafeDumper that double-quotes text holding a YAML line break (NEL, LS, PS).

    Plain, PyYAML writes U+0085 bare and reads it back as a line break, so a category
    such as "0" followed by U+0085 would not survive a round trip.
    """


def _represent_str(dumper: Any, value: str) -> Any:
    style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_contract(contract: Contract, path: str | Path | None = None) -> str:
    """Render a contract as YAML (and write it to ``path`` when given)."""
    data = contract.model_dump(mode="json", exclude_none=True)
    default_conform = ColumnConform().model_dump(mode="json", exclude_none=True)
    default_drift = ColumnDrift().model_dump(mode="json", exclude_none=True)
    label = (data.get("dataset") or {}).get("label") or {}
    if label.get("info_below_share") == IMBALANCE_INFO_SHARE:
        label.pop("info_below_share")
    for spec in data["columns"].values():
        if spec.get("conform") == default_conform:
            spec.pop("conform")
        if spec.get("drift") == default_drift:
            spec.pop("drift")
    body: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    text = _HEADER + body
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def load_contract(path: str | Path) -> Contract:
    """Load and validate a YAML contract.

    Raises:
        ContractNotFoundError: The file does not exist.
        ContractParseError: The YAML is malformed or a key is wrong; the message names
            the file, line and key and says how to fix it.
    """
    p = Path(path)
    if not p.is_file():
        raise ContractNotFoundError(
            f"No contract at '{p}'. Create one with: pipewarden contract infer DATA -o {p}"
        )
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContractParseError(
            "the file is not UTF-8 text. Save it as UTF-8.", file=str(p)
        ) from exc
    return parse_contract(text, source=str(p))


def parse_contract(text: str, *, source: str = "<string>") -> Contract:
    """Validate contract YAML given as text (see load_contract)."""
    try:
        try:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506  # a safe loader
        except yaml.YAMLError:
            # PyYAML's own parser words the mistake more plainly than libyaml.
            data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContractParseError(
            f"invalid YAML ({problem}). Fix the syntax there.", file=source, line=line
        ) from exc
    if not isinstance(data, dict):
        raise ContractParseError(
            f"a contract is a YAML mapping with 'kind: {KIND}' and 'columns'. "
            "Create one with: pipewarden contract infer DATA -o contract.yaml",
            file=source,
            line=1,
        )
    _check_header(data, text, source)
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(part) for part in loc)
        raise ContractParseError(
            _explain(err), file=source, line=line_of(text, loc), key=key
        ) from exc


def _check_header(data: dict[str, Any], text: str, source: str) -> None:
    kind = data.get("kind")
    if kind != KIND:
        raise ContractParseError(
            f"'kind' is {kind!r}, not '{KIND}'. Is this a pipewarden contract? "
            f"Set 'kind: {KIND}' or create one with pipewarden contract infer.",
            file=source,
            line=line_of(text, ("kind",)),
            key="kind",
        )
    version = data.get("version")
    if version != VERSION:
        raise ContractParseError(
            f"'version' is {version!r}; this pipewarden reads version {VERSION}. "
            f"Set 'version: {VERSION}' or upgrade pipewarden.",
            file=source,
            line=line_of(text, ("version",)),
            key="version",
        )


def _explain(err: Any) -> str:
    kind = err.get("type", "")
    value = err.get("input")
    if kind == "extra_forbidden":
        return (
            "unknown key. Check its spelling against the README's contract reference."
        )
    if kind == "missing":
        return "required key is missing. Add it."
    if kind == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    if kind.startswith("literal_error") or kind == "enum":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{value!r} is not allowed here; use one of {allowed}."
    return f"{err.get('msg', 'invalid value')} (got {value!r}). Correct the value."


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest key of ``loc`` found in the YAML text.

    The text is composed again only here, when a mistake is reported.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:  # libyaml loaded what it cannot compose (a stray BOM)
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None
    line = node.start_mark.line + 1 if node is not None else None
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if str(key_node.value) == str(part):
                    line = key_node.start_mark.line + 1
                    current = value_node
                    break
            else:
                return line
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part < len(current.value):
                current = current.value[part]
                line = current.start_mark.line + 1
            else:
                return line
        else:
            return line
    return line
