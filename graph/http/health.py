"""Probes for orchestrators: /healthz (the process answers) and /readyz (it can serve).

/healthz touches nothing but the event loop, so a database outage never gets
a healthy process restarted. /readyz asks the database for its migration
revision: 503 with a reason while the database does not answer or is behind
the code's head, so a load balancer stops sending traffic until it is back.

With read replicas (REPLICA_DATABASE_URLS), /readyz also lists every pool's
state and lag as the last check found them, and a process whose primary is
down but a replica up is still ready, "degraded": it serves reads, and
answers writes with SERVICE_UNAVAILABLE.
"""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from db.errors import DatabaseUnavailable
from db.replicas import UP, Replicas
from db.schema_version import DatabaseBehindHead, ensure_at_head
from graph.http.state import app_state


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @routes.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        state = app_state(request)
        replicas = state["replicas"]
        pools = {} if replicas is None else {"pools": pool_states(replicas)}
        try:
            await ensure_at_head(state["db"])
        except DatabaseUnavailable as error:
            if replicas is not None and any(member.state == UP for member in replicas.replicas):
                reason = "the primary does not answer: writes get SERVICE_UNAVAILABLE, replicas serve reads"
                return JSONResponse({"status": "degraded", "reason": reason, **pools})
            return _not_ready(f"the database does not answer ({error})", pools)
        except DatabaseBehindHead as error:
            return _not_ready(str(error), pools)
        return JSONResponse({"status": "ready", **pools})

    return routes


def pool_states(replicas: Replicas) -> dict[str, Any]:
    """Each pool as the last check found it (a replica's lag too); never a URL, which may hold a password."""
    states: dict[str, Any] = {}
    for member in replicas.members:
        state: dict[str, Any] = {"state": member.state}
        if member is not replicas.primary:
            state["lagSeconds"] = round(member.lag_seconds, 3)
            state["lagBytes"] = member.lag_bytes
        if member.reason is not None:
            state["reason"] = member.reason
        states[member.name] = state
    return states


def _not_ready(reason: str, pools: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", "reason": reason, **pools}, status_code=503, headers={"retry-after": "1"}
    )
