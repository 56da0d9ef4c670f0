"""Settings: defaults < pipewarden.yaml (or [tool.pipewarden]) < PIPEWARDEN_* < arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipewarden.config import DEFAULT_STORE_URL, Settings, load_settings
from pipewarden.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={}, directory=tmp_path)

    assert settings == Settings()
    assert (
        settings.store_url == DEFAULT_STORE_URL == "sqlite:///.pipewarden/pipewarden.db"
    )


def test_each_layer_overrides_the_one_before(tmp_path: Path) -> None:
    (tmp_path / "pipewarden.yaml").write_text("store_url: sqlite:///file.db\n")
    env = {"PIPEWARDEN_STORE_URL": "sqlite:///env.db"}

    from_file = load_settings(environ={}, directory=tmp_path)
    from_env = load_settings(environ=env, directory=tmp_path)
    from_arg = load_settings(
        environ=env, directory=tmp_path, store_url="sqlite:///a.db"
    )
    arg_none = load_settings(environ=env, directory=tmp_path, store_url=None)

    assert from_file.store_url == "sqlite:///file.db"
    assert from_env.store_url == "sqlite:///env.db"
    assert from_arg.store_url == "sqlite:///a.db"
    assert arg_none.store_url == "sqlite:///env.db"


def test_an_empty_variable_does_not_count(tmp_path: Path) -> None:
    settings = load_settings(environ={"PIPEWARDEN_STORE_URL": ""}, directory=tmp_path)

    assert settings.store_url == DEFAULT_STORE_URL


def test_pyproject_table_is_read_when_there_is_no_yaml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.pipewarden]\nhistory_window = 30\n'
    )

    assert load_settings(environ={}, directory=tmp_path).history_window == 30


def test_env_values_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"PIPEWARDEN_HISTORY_WINDOW": "many"}, directory=tmp_path)

    assert str(raised.value).startswith(
        "Setting 'history_window' from defaults, PIPEWARDEN_HISTORY_WINDOW or the "
        "command line is invalid: Input should be a valid integer"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "store: x\n",
            "Unknown setting 'store' in {path}. Known settings: store_url, "
            "history_window, memory_budget.",
        ),
        (
            "- a\n- b\n",
            "'{path}' must hold a mapping of settings, such as store_url: ...",
        ),
        ("a: [\n", "'{path}' is not valid YAML"),
    ],
)
def test_a_bad_config_file_says_what_to_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "pipewarden.yaml"
    path.write_text(text)

    with pytest.raises(ConfigError) as raised:
        load_settings(environ={}, directory=tmp_path)

    assert str(raised.value).startswith(message.format(path=path))


def test_an_empty_config_file_is_fine(tmp_path: Path) -> None:
    (tmp_path / "pipewarden.yaml").write_text("")

    assert load_settings(environ={}, directory=tmp_path) == Settings()


def test_the_memory_budget_reads_sizes_from_the_environment() -> None:
    settings = load_settings(environ={"PIPEWARDEN_MEMORY_BUDGET": "2GiB"})
    assert settings.memory_budget == 2 << 30
    assert load_settings(environ={}).memory_budget == 1 << 30
