# medkg image for the Prefect worker and the API. CPU-only PyTorch by default (about 1 GB instead
# of the CUDA build's 4 GB); for GPU workers: docker build --build-arg TORCH_BACKEND=cu128 .
FROM python:3.11-slim
ARG TORCH_BACKEND=cpu
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kg kg
COPY readers readers
COPY extractors extractors
COPY ontologies ontologies
COPY diagnosis diagnosis
COPY api api
COPY wiring wiring
COPY flows flows
COPY cli cli
COPY prefect.yaml ./
RUN pip install uv && uv pip install --system --torch-backend "$TORCH_BACKEND" .
ENTRYPOINT ["medkg"]
CMD ["--help"]
