"""Where pipewarden meets other tools: the pre-commit hook (``precommit``).

The GitHub Action (``action.yml`` at the repository root) runs the CLI itself.
"""
