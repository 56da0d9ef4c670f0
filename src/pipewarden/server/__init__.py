"""The server: REST API, Prometheus ``/metrics`` and the dashboard, over one store.

A face: every route parses, calls a workflow (``pipewarden.workflows``) or a store
read, and presents. ``pipewarden serve`` runs it with uvicorn; tests and embedders
call :func:`pipewarden.server.app.create_app`.
"""
