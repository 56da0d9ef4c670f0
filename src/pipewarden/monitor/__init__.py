"""Watch data over time: metric points of profiles, and anomalies in their history.

Import the modules themselves (``pipewarden.monitor.history``,
``pipewarden.monitor.metrics``, ``pipewarden.monitor.environment``); this package
loads nothing, and nothing in it loads the database layer.
"""
