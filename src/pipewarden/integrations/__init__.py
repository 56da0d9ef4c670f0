"""Where pipewarden meets other tools: the pre-commit hook (``precommit``) and the
scheduler tasks (``airflow``, ``dagster``, ``prefect``) that check data.

The GitHub Action (``action.yml`` at the repository root) runs the CLI itself.
"""
