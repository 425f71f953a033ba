# Steward server: slim, non-root, with a health check. Build: docker build -t steward .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY adapters ./adapters
COPY policies ./policies
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    STEWARD_HOST=0.0.0.0 PORT=8080 STEWARD_DB=/data/steward.db POLICY_DIR=/app/policies
COPY --from=build /install /usr/local
COPY policies /app/policies
RUN useradd --system --uid 10001 --home-dir /app steward && mkdir -p /data && chown steward /data
USER steward
WORKDIR /app
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8080\")}/healthz', timeout=4)" || exit 1
CMD ["steward", "serve"]
