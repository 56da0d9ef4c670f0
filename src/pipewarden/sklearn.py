"""scikit-learn integration: the gate as the first step of any Pipeline.

``ContractGate`` learns a contract from the training frame in ``fit`` (or takes
yours) and conforms every later frame to it in ``transform``: extra columns dropped,
missing ones filled, numbers in text read, unseen categories handled, so the model
behind it sees the training columns, order and dtypes whatever arrives.

Rows the gate cannot fit are quarantined: ``transform`` leaves them out, and keeps
them on ``last_result_.quarantine``. Targets are the caller's to align:
``y[gate.last_result_.kept_mask]``, or call ``transform_with_mask``. Rows of the data
the contract was inferred from are never quarantined, so ``Pipeline.fit`` keeps ``X``
and ``y`` aligned; ``fit_transform`` raises if a given contract would drop training
rows while ``y`` is passed.

Example:
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> pipe = make_pipeline(ContractGate(), encoder, RandomForestClassifier())  # doctest: +SKIP
    >>> pipe.fit(train, y).predict(messy_batch)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from pipewarden._optional import require
from pipewarden.conform import to_polars
from pipewarden.conform.gate import ConformResult, Gate
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import (
    CoerceAction,
    Contract,
    MissingColumnsPolicy,
    NullAction,
    RangeAction,
    UnexpectedColumnsPolicy,
    UnseenAction,
)
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.errors import ConfigError, ConformError
from pipewarden.profiles.dataset import DatasetProfile

require("sklearn", extra="sklearn")

from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

__all__ = ["ContractGate"]

Output = Literal["default", "pandas", "polars"]
_COLUMN_POLICIES = (
    "on_unseen",
    "on_out_of_range",
    "on_null",
    "on_coerce_error",
    "normalize",
)


class ContractGate(  # type: ignore[call-arg]  # sklearn's __init_subclass__ keyword
    TransformerMixin,  # type: ignore[misc]  # sklearn ships no type hints
    BaseEstimator,  # type: ignore[misc]  # sklearn ships no type hints
    auto_wrap_output_keys=None,
):
    """A scikit-learn transformer that conforms every frame to one contract.

    Args:
        contract: A Contract or the path of a contract YAML to use as is; by default
            the contract is inferred from the data given to ``fit``.
        label: Label column in ``X`` (recorded in the contract, left out of the
            output).
        time: Event-time column, for an inferred contract.
        id: Row id column, for an inferred contract.
        unexpected_columns: ``drop``, ``keep`` or ``fail``; None keeps the contract's
            (``drop`` when inferred).
        missing_columns: ``fill`` or ``fail``; None keeps the contract's, or ``fill``
            when inferred (each column filled with its median or mode).
        on_unseen: For every categorical column: ``keep``, ``fallback`` (to the
            column's mode when inferred), ``null`` or ``quarantine``.
        on_out_of_range: For every numeric column: ``keep``, ``clip``, ``null`` or
            ``quarantine``.
        on_null: ``keep``, ``impute`` or ``quarantine`` for every column.
        on_coerce_error: ``null`` or ``quarantine`` for every column.
        normalize: Map whitespace/case variants of categories to the category.

    Attributes:
        contract_: The contract in force after ``fit``.
        gate_: The Gate built from it.
        feature_names_in_: Columns seen in ``fit``.
        last_result_: The ConformResult of the latest ``transform``.
    """

    def __init__(
        self,
        contract: Contract | str | Path | None = None,
        *,
        label: str | None = None,
        time: str | None = None,
        id: str | None = None,  # noqa: A002  # mirrors infer_contract
        unexpected_columns: UnexpectedColumnsPolicy | None = None,
        missing_columns: MissingColumnsPolicy | None = None,
        on_unseen: UnseenAction | None = None,
        on_out_of_range: RangeAction | None = None,
        on_null: NullAction | None = None,
        on_coerce_error: CoerceAction | None = None,
        normalize: bool | None = None,
    ) -> None:
        self.contract = contract
        self.label = label
        self.time = time
        self.id = id
        self.unexpected_columns = unexpected_columns
        self.missing_columns = missing_columns
        self.on_unseen = on_unseen
        self.on_out_of_range = on_out_of_range
        self.on_null = on_null
        self.on_coerce_error = on_coerce_error
        self.normalize = normalize

    # ------------------------------------------------------------------ sklearn API
    def fit(self, X: Any, y: Any = None) -> ContractGate:  # noqa: N803  # sklearn's name
        """Learn (or load) the contract and build the gate.

        Raises:
            ContractError: The contract (or a policy given here) is inconsistent.
        """
        frame = _as_polars(X)
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.width
        contract = self._contract(frame)
        self.contract_ = contract
        self.gate_ = Gate(contract)
        self.feature_names_out_ = np.asarray(self.gate_.feature_columns, dtype=object)
        return self

    def transform(self, X: Any) -> Any:  # noqa: N803  # sklearn's name
        """Conform ``X``; quarantined rows are left out (see ``last_result_``).

        Returns:
            A frame of the output type set by ``set_output`` (by default the type of
            ``X``; a numpy array for a numpy ``X``).
        """
        frame, _ = self.transform_with_mask(X)
        return frame

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:  # noqa: N803
        out, mask = self.fit(X, y).transform_with_mask(X)
        if y is not None and not mask.all():
            raise ConformError(
                f"{int((~mask).sum()):,} training row(s) were quarantined, so y no longer "
                "lines up with X. Conform the training data first "
                "(result = gate.fit(X).conform(X)) and fit on result.frame with "
                "y[result.kept_mask]."
            )
        return out

    def transform_with_mask(self, X: Any) -> tuple[Any, np.ndarray]:  # noqa: N803
        """Conform ``X`` and say which rows were kept.

        Returns:
            The conformed frame and a boolean array over the rows of ``X`` (True =
            kept), to align targets: ``y[mask]``.
        """
        result = self.conform(X)
        frame = result.frame
        label = self.gate_.plan.label
        if label is not None and label in _columns(frame):
            frame = _drop(frame, label)
        return self._output(frame, X), result.kept_mask

    def conform(self, X: Any) -> ConformResult:  # noqa: N803
        """The full ConformResult of ``X`` (frame, quarantine, findings, kept_mask)."""
        check_is_fitted(self, "gate_")
        batch = X
        if isinstance(X, np.ndarray):
            batch = _numpy_frame(X, list(self.feature_names_in_))
        result = self.gate_.conform(batch)
        self.last_result_ = result
        return result

    @property
    def quarantine_(self) -> Any:
        """The rows the latest ``transform`` quarantined, with their reasons."""
        check_is_fitted(self, "last_result_")
        return self.last_result_.quarantine

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The conformed columns (the contract's, without the label)."""
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)

    def set_output(self, *, transform: Output | None = None) -> ContractGate:
        """Choose the output of ``transform``: ``default`` (the input's own frame
        type), ``pandas`` or ``polars``."""
        if transform is None:
            return self
        if transform not in ("default", "pandas", "polars"):
            raise ConfigError(
                f"set_output(transform={transform!r}) is not supported; use 'default', "
                "'pandas' or 'polars'."
            )
        self._sklearn_output_config = {"transform": transform}
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("last_result_", None)
        return state

    # -------------------------------------------------------------------- helpers
    def _contract(self, frame: pl.DataFrame) -> Contract:
        inferred = self.contract is None
        if isinstance(self.contract, Contract):
            contract = self.contract
        elif self.contract is not None:
            contract = load_contract(self.contract)
        else:
            from pipewarden.workflows.profile import profile

            prof: DatasetProfile = profile(frame)
            contract = infer_contract(
                prof, label=self.label, time=self.time, id=self.id
            )
        return self._with_policies(contract, inferred=inferred)

    def _with_policies(self, contract: Contract, *, inferred: bool) -> Contract:
        data = contract.to_dict()
        policies = data["policies"]
        if self.unexpected_columns is not None:
            policies["unexpected_columns"] = self.unexpected_columns
        if self.missing_columns is not None:
            policies["missing_columns"] = self.missing_columns
        elif inferred:
            policies["missing_columns"] = "fill"
        for spec in data["columns"].values():
            conform = spec["conform"]
            for key in _COLUMN_POLICIES:
                value = getattr(self, key)
                if value is not None:
                    conform[key] = value
            if (
                conform.get("on_unseen") == "fallback"
                and conform.get("fallback") is None
            ):
                conform["fallback"] = conform.get("mode")
                if conform["fallback"] is None:
                    conform["on_unseen"] = "keep"
        return Contract.from_dict(data)

    def _output(self, frame: Any, original: Any) -> Any:
        config = getattr(self, "_sklearn_output_config", {}).get("transform", "default")
        if config == "pandas":
            return frame if _is_pandas(frame) else _as_polars(frame).to_pandas()
        if config == "polars":
            return _as_polars(frame)
        if isinstance(original, np.ndarray):
            return _as_polars(frame).to_numpy()
        return frame


def _is_pandas(obj: object) -> bool:
    kind = type(obj)
    return kind.__module__.startswith("pandas") and kind.__name__ == "DataFrame"


def _as_polars(frame: Any) -> pl.DataFrame:
    if isinstance(frame, np.ndarray):
        return _numpy_frame(frame, [f"x{i}" for i in range(frame.shape[1])])
    return to_polars(frame)


def _numpy_frame(array: np.ndarray, names: list[str]) -> pl.DataFrame:
    if array.ndim != 2 or array.shape[1] != len(names):
        raise ConformError(
            f"X has shape {array.shape}, but the gate was fitted on {len(names)} "
            "columns. Pass a 2-D array with those columns, or a DataFrame."
        )
    return pl.DataFrame(
        {name: array[:, i] for i, name in enumerate(names)}, strict=False
    )


def _columns(frame: Any) -> list[str]:
    if hasattr(frame, "column_names"):  # Arrow
        return list(frame.column_names)
    return [str(c) for c in frame.columns]


def _drop(frame: Any, column: str) -> Any:
    if isinstance(frame, pl.DataFrame):
        return frame.drop(column)
    if _is_pandas(frame):
        return frame.drop(columns=[column])
    return frame.drop([column])  # Arrow
