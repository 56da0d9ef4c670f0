"""Pipelines over time: what changed between runs, and where a break began.

Import the modules themselves (``pipewarden.pipelines.run_diff``); this package loads
nothing.
"""
