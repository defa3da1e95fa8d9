"""Probes for orchestrators: /healthz (the process answers) and /readyz (it can serve).

/healthz touches nothing but the event loop, so a database outage never gets
a healthy process restarted. /readyz asks the database for its migration
revision: 503 with a reason while the database does not answer or is behind
the code's head, so a load balancer stops sending traffic until it is back.
"""

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from db.errors import DatabaseUnavailable
from db.schema_version import DatabaseBehindHead, ensure_at_head


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @routes.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        try:
            await ensure_at_head(request.state.db)
        except DatabaseUnavailable as error:
            return _not_ready(f"the database does not answer ({error})")
        except DatabaseBehindHead as error:
            return _not_ready(str(error))
        return JSONResponse({"status": "ready"})

    return routes


def _not_ready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers={"retry-after": "1"})
