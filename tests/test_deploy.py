"""What users deploy: Prefect deployments and the docker-compose stack."""

from importlib import import_module
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_every_prefect_deployment_points_at_a_flow() -> None:
    from prefect import Flow

    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    assert {d["name"] for d in deployments} == {"pubmed-updates", "train-bc5cdr", "train-biored", "train-diagnosis"}
    for d in deployments:
        module, name = d["entrypoint"].split(":")
        assert isinstance(getattr(import_module(module.removesuffix(".py").replace("/", ".")), name), Flow), d["name"]


def test_compose_services_wait_for_healthy_dependencies_and_take_secrets_from_env() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"neo4j", "prefect-server", "worker", "api"}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"} and "healthcheck" in services[dependency], name
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key or "API_KEY" in key or key == "NEO4J_AUTH":
                assert "${" in str(value), f"{name}.{key} must come from the environment"
    assert services["api"]["command"][0] == "serve" and "healthcheck" in services["api"]


def test_compose_and_prefect_yaml_agree_on_the_model_registry() -> None:
    """The worker (ingestion and training deployments) and the API resolve models through the
    same folder, MEDKG_HOME/models, mounted from the same host folder; prefect.yaml names no path
    and no template filter (Prefect 3 has none: `{{ $X | default(...) }}` stays a literal)."""
    text = (ROOT / "prefect.yaml").read_text()
    assert "| default" not in text and "{{" not in text
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    mounts = {}
    for name in ("worker", "api"):
        env = services[name]["environment"]
        assert not {"MEDKG_NER_MODEL", "MEDKG_RE_MODEL"} & set(env), name
        models = f"{env['MEDKG_HOME']}/models"
        pairs = [v.removesuffix(":ro").removesuffix(":rw").rsplit(":", 1) for v in services[name]["volumes"]]
        host = [source for source, target in pairs if target == models]
        assert host, f"{name}: nothing mounted at {models}"
        mounts[name] = host[0]
    assert mounts["worker"] == mounts["api"]


def test_the_image_copies_every_package_the_project_installs() -> None:
    """A package left out of the Dockerfile installs fine and fails at the first import in the
    container."""
    import tomllib

    packages = {
        p.rstrip("*")
        for p in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"][
            "include"
        ]
    }
    copied = {
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and len(line.split()) == 3
    }
    assert packages == {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"}
    assert packages <= copied
