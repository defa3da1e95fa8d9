# syntax=docker/dockerfile:1
# The API image: locked dependencies installed by uv in a build stage, then
# copied with the code into a slim runtime that runs as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# Same uv as scripts/bootstrap; it never downloads a Python (the image's 3.11 is used).
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, from the lock file only, so code changes reuse this layer.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY alembic.ini ./
COPY db ./db
COPY graph ./graph
COPY migrations ./migrations
RUN python -m compileall -q db graph migrations

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 conduit \
    && useradd --system --uid 10001 --gid conduit --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin conduit
WORKDIR /app
# Owned by root and read-only to the service user: the process cannot rewrite its own code.
COPY --from=build /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2
USER 10001:10001
EXPOSE 8000
# No curl in slim images: Python asks /healthz (exit 1 on any error or non-2xx).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
# Exec form: uvicorn is PID 1 and gets SIGTERM itself. WORKERS sets the worker count.
CMD ["python", "-m", "graph", "serve"]
