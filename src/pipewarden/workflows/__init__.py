"""The use cases every face (CLI, server, Python) calls: each workflow written once.

Import the modules themselves (``pipewarden.workflows.record``,
``pipewarden.workflows.models``); this package loads nothing.
"""
