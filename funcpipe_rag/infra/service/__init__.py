"""The local service the adapters talk to: users and embeddings over real HTTP.

``_app`` builds the ASGI application (its endpoints, injected latency and
failures); ``_hosting`` serves it on ``127.0.0.1``.
"""

from funcpipe_rag.infra.service._app import (
    ALL_FAILURES,
    Failure,
    FailurePlan,
    ServiceStats,
    create_app,
    default_users,
    model_name,
)
from funcpipe_rag.infra.service._hosting import (
    HOST,
    PortInUseError,
    bind_socket,
    running_service,
    serve_forever,
)

__all__ = [
    "ALL_FAILURES",
    "HOST",
    "Failure",
    "FailurePlan",
    "PortInUseError",
    "ServiceStats",
    "bind_socket",
    "create_app",
    "default_users",
    "model_name",
    "running_service",
    "serve_forever",
]
