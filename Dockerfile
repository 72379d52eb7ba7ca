# The sample model server as a container image (e2e on kind: .github/workflows/e2e.yml).
# Same code path as the local cluster's pods: `python -m ai_deploy_ci model-server`, knobs as
# env vars (MODEL_VERSION, EXTRA_LATENCY_MS, ...), listening on 0.0.0.0:8080.
# Dependencies come from the same lock file as the actions, so the image is reproducible.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/ai-deploy-ci
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY ai_deploy_ci ./ai_deploy_ci
RUN /opt/venv/bin/pip install --no-deps . \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin model

USER 10001
ENV PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
ENTRYPOINT ["python", "-m", "ai_deploy_ci", "model-server"]
CMD ["--host", "0.0.0.0", "--port", "8080"]
