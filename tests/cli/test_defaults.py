"""Every default has one source: a training flag that names a config field defaults to that
field's default (or to None: "the config's"), and ``--set`` reaches every other field."""

import inspect
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from diagnosis.configs import DiagnosisConfig, SimulationConfig
from extractors.configs import DocRelationConfig, NerConfig, RelationConfig, configured, relation_config
from kg.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data"


def _command(*path: str):  # type: ignore[no-untyped-def]
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize(
    ("path", "configs"),
    [
        (("train", "ner"), [NerConfig]),
        (("train", "re"), [DocRelationConfig, RelationConfig]),
        (("run",), []),
    ],
)
def test_training_flags_default_to_their_config(path: tuple[str, ...], configs: list[type]) -> None:
    params = {p.name: p.default for p in _command(*path).params}
    checked = 0
    for config in configs:
        for field, info in config.model_fields.items():
            if field in params and params[field] is not None:
                assert params[field] == info.default, f"{' '.join(path)} --{field.replace('_', '-')}"
                checked += 1
    if path == ("run",):  # its safety caps are the trainers'
        assert (params["ner_minutes"], params["re_minutes"]) == (
            NerConfig().max_minutes,
            DocRelationConfig().max_minutes,
        )
    else:
        assert checked and "set_" in params


def test_the_training_flow_defaults_to_the_configs() -> None:
    from flows.train import train_models

    defaults = {k: v.default for k, v in inspect.signature(train_models.fn).parameters.items()}
    assert (defaults["ner_minutes"], defaults["re_minutes"]) == (
        NerConfig().max_minutes,
        DocRelationConfig().max_minutes,
    )
    assert defaults["base_model"] == NerConfig().base_model == DocRelationConfig().base_model
    from flows.train import train_diagnosis_flow

    defaults = {k: v.default for k, v in inspect.signature(train_diagnosis_flow.fn).parameters.items()}
    assert defaults["diseases"] == SimulationConfig().diseases
    assert (defaults["max_minutes"], defaults["text_max_minutes"]) == (
        DiagnosisConfig().max_minutes,
        DiagnosisConfig().text_max_minutes,
    )


def test_set_reaches_every_field_and_refuses_what_is_not_one() -> None:
    config = configured(
        NerConfig, {"epochs": 2, "types": None}, ["max_length=128", "types=[Gene, Disease]", "bf16=false"]
    )
    assert (config.epochs, config.max_length, config.types, config.bf16) == (2, 128, ["Gene", "Disease"], False)
    assert config.stride == NerConfig().stride  # untouched fields keep their default
    with pytest.raises(ConfigError, match="field of NerConfig"):
        configured(NerConfig, {}, ["max_lenght=128"])
    with pytest.raises(ConfigError, match="max_length"):
        configured(NerConfig, {}, ["max_length=long"])
    assert isinstance(relation_config("pair", {"window": 3}), RelationConfig)
    with pytest.raises(ConfigError, match="window"):
        relation_config("doc", {"window": 3})


def test_set_errors_are_one_line_on_the_command_line(tmp_path: Path) -> None:
    sample = str(DATA / "sample.pubtator")
    for args in (
        ["train", "ner", "--set", "nope=1"],
        ["train", "re", "--set", "nope=1"],
        ["train", "re", "--window", "3"],
        ["train", "re", "--architecture", "lexical", "--epochs", "3"],  # fitted, not trained by epochs
    ):
        result = CliRunner().invoke(app, [*args, "--train", sample, "--dev", sample, "--out", str(tmp_path / "m")])
        assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output, (
            args,
            result.output,
        )
