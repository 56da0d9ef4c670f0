"""Dagster assets with a pipewarden contract check (pipewarden.integrations.dagster).

``dagster dev -f orders_assets.py`` shows the check beside the asset; materializing
``orders`` runs it. ORDERS_DIR (default: ./data) holds orders.parquet and orders.yaml
(make the contract once: ``pipewarden contract infer reference.parquet -o
orders.yaml``); runs are recorded in PIPEWARDEN_STORE_URL when set.
"""

from __future__ import annotations

import os

import dagster as dg
import polars as pl

from pipewarden.integrations.dagster import pipewarden_asset_check

ORDERS_DIR = os.environ.get("ORDERS_DIR", "data")


@dg.asset
def orders() -> pl.DataFrame:
    """Today's orders, as the upstream system delivered them."""
    return pl.read_parquet(f"{ORDERS_DIR}/orders.parquet")


@dg.asset(deps=[orders])
def order_scores() -> None:
    """Scored only when the orders' contract check passed (it blocks on errors)."""


orders_contract = pipewarden_asset_check(
    asset=orders,
    contract=f"{ORDERS_DIR}/orders.yaml",
    blocking=True,  # a failed check of severity ERROR stops order_scores
    fail_on="error",
    store=os.environ.get("PIPEWARDEN_STORE_URL"),
)

defs = dg.Definitions(assets=[orders, order_scores], asset_checks=[orders_contract])
