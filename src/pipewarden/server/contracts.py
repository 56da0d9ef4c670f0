"""The contract a request names: YAML text, JSON form, or the dataset's newest."""

from __future__ import annotations

from typing import Any

from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import parse_contract
from pipewarden.errors import ConfigError, ContractParseError
from pipewarden.store import Store

__all__ = ["request_contract"]


def request_contract(
    store: Store, contract: str | dict[str, Any] | None, dataset: str | None
) -> Contract:
    """The contract of a request.

    Raises:
        ContractError: The given contract does not parse.
        ConfigError: None given and the dataset has no run with a contract.
    """
    if isinstance(contract, str):
        return parse_contract(contract, source="the request's contract")
    if isinstance(contract, dict):
        try:
            return Contract.from_dict(contract)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ContractParseError(
                f"The request's contract is not valid: {str(exc).splitlines()[0]}. "
                "Send the YAML of `pipewarden contract infer` as text instead."
            ) from exc
    if not dataset:
        raise ConfigError(
            "Say which contract to use: send 'contract' (YAML text), or 'dataset' to "
            "use the contract of its newest run."
        )
    runs = store.list_runs(dataset=dataset, limit=1)
    if runs:
        found = store.get_run(runs[0].id).contract
        if found is not None:
            return found
    raise ConfigError(
        f"Dataset '{dataset}' has no recorded run with a contract to reuse. Send "
        "'contract' (YAML text) with the request."
    )
