# medkg image for the Prefect worker and the API. CPU by default; use a CUDA base image
# and the CUDA torch wheel for GPU workers.
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kg kg
COPY readers readers
COPY extractors extractors
COPY ontologies ontologies
COPY diagnosis diagnosis
COPY api api
COPY flows flows
COPY prefect.yaml ./
RUN pip install .
ENTRYPOINT ["medkg"]
CMD ["--help"]
