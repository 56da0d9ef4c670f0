"""Scheduler integrations: Airflow, Dagster and Prefect tasks that check data."""
