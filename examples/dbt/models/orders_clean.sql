-- The model pipewarden checks after `dbt run`: paid orders only.
select
    order_id,
    customer,
    cast(amount as real) as amount,
    country
from {{ ref('raw_orders') }}
where status = 'paid'
