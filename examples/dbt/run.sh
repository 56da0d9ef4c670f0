#!/usr/bin/env bash
# Build the dbt model, then check its table against its pipewarden contract through
# the SQL source. Exit 0: the model passed (warnings allowed); 1: it failed its
# contract; 2: bad usage. DBT / PIPEWARDEN name the commands (default: from PATH);
# DBT_SHOP_DIR is where shop.db goes (default: this folder); set PIPEWARDEN_STORE_URL
# to record the run.
set -euo pipefail
cd "$(dirname "$0")"
export DBT_SHOP_DIR=${DBT_SHOP_DIR:-$PWD}
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_VERSION_CHECK=false
DBT=${DBT:-dbt}
PIPEWARDEN=${PIPEWARDEN:-pipewarden}

"$DBT" seed --profiles-dir . --target-path "$DBT_SHOP_DIR/target" --log-path "$DBT_SHOP_DIR/logs"
"$DBT" run --profiles-dir . --target-path "$DBT_SHOP_DIR/target" --log-path "$DBT_SHOP_DIR/logs"

$PIPEWARDEN check contracts/orders_clean.yaml "sqlite:///$DBT_SHOP_DIR/shop.db" \
    --query "select * from orders_clean" --dataset orders_clean \
    --json "$DBT_SHOP_DIR/orders_clean.check.json"
