"""Train two models behind the pipewarden gate, then score messy batches unchanged.

A RandomForestClassifier (churn) and a LinearRegression (monthly spend) are trained
on one clean batch, each in a Pipeline: ContractGate -> ColumnTransformer
(OneHotEncoder for categories) -> model. Then batches arrive the way production data
does: with an extra column, without a column, with income as text ("$33,000.00"),
and with categories the model never saw. The same pipelines score them, with no code
change: every row that is not quarantined gets a prediction.

Run: python examples/gate_sklearn.py  (needs: pip install 'pipewarden[sklearn]')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from pipewarden.sklearn import ContractGate

CATEGORICAL = ["plan", "region"]
NUMERIC = ["age", "income", "tenure_months"]


def make_customers(rows: int, seed: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A synthetic customer table with a churn label and a monthly spend target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "income": rng.lognormal(10.5, 0.4, rows).round(2),
            "tenure_months": rng.integers(1, 120, rows),
            "plan": rng.choice(["basic", "plus", "premium"], rows, p=[0.5, 0.3, 0.2]),
            "region": rng.choice(["north", "south", "east", "west"], rows),
        }
    )
    premium = (frame["plan"] == "premium").to_numpy()
    churn = pd.Series(
        (
            rng.random(rows)
            < 0.1 + 0.2 * (frame["tenure_months"] < 12) - 0.05 * premium
        ).astype(int),
        name="churn",
    )
    spend = pd.Series(
        20 + 0.0004 * frame["income"] + 15 * premium + rng.normal(0, 3, rows),
        name="spend",
    )
    return frame, churn, spend


def pipeline(model: object) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("numbers", "passthrough", NUMERIC),
        ]
    )
    gate = ContractGate(normalize=True)  # "NORTH  " is the category "north"
    return Pipeline([("gate", gate), ("encode", encode), ("model", model)])


def messy_batches(seed: int) -> dict[str, pd.DataFrame]:
    """Production batches: each breaks the training schema in one way."""
    batch, _, _ = make_customers(200, seed)
    extra = batch.assign(promo_code="SPRING24")  # 6 columns instead of 5
    missing = batch.drop(columns=["tenure_months"])  # a column went missing
    as_text = batch.assign(
        income=[f"${x:,.2f}" for x in batch["income"]]
    )  # "$33,000.00"
    unseen = batch.assign(
        plan=batch["plan"].replace({"plus": "enterprise"}),
        region=batch["region"].str.upper() + "  ",
    )
    return {
        "extra column": extra,
        "missing column": missing,
        "income as text": as_text,
        "unseen categories": unseen,
    }


def main() -> None:
    train, churn, spend = make_customers(2_000, seed=1)
    classifier = pipeline(RandomForestClassifier(n_estimators=50, random_state=0))
    regressor = pipeline(LinearRegression())
    classifier.fit(train, churn)
    regressor.fit(train, spend)

    for name, batch in messy_batches(seed=2).items():
        churn_prob = classifier.predict_proba(batch)[:, 1]
        gate = classifier.named_steps["gate"]
        spent = regressor.predict(batch)
        kept = gate.last_result_.rows_out
        print(
            f"{name:>18}: {len(batch)} rows in, {kept} scored, "
            f"{gate.last_result_.rows_quarantined} quarantined; "
            f"mean churn p={churn_prob.mean():.3f}, mean spend={spent.mean():.1f}"
        )
        for finding in gate.last_result_.findings:
            print(f"{'':>20}{finding.severity.value}: {finding.message}")


if __name__ == "__main__":
    main()
