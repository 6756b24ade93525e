"""Settings: one declaration of every option, layered flags > environment > .env > config file."""

from __future__ import annotations

import contextlib
import re

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from batch_enrol.cli import main
from batch_enrol.errors import ConfigError
from batch_enrol.settings import Secret, Settings, allowed

SCALARS = [
    name
    for name, info in Settings.model_fields.items()
    if info.annotation in (int, float, bool) or name in ("fail_on", "progress")
]


def test_defaults_hold_without_any_source(tmp_path):
    settings = Settings.load(env={}, dotenv=tmp_path / "none.env")
    assert settings == Settings()
    assert settings.concurrency == "auto" and settings.rate == "auto" and settings.give_up_after == 30 and settings.max_file_bytes == 512 * 1024 * 1024


def test_flags_beat_environment_beat_dotenv_beat_config(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("concurrency = 2\nrate = 3\nmax_attempts = 4\ngive_up_after = 5\n", encoding="utf-8")
    dotenv = tmp_path / ".env"
    dotenv.write_text("JOBMOJITO_RATE=6\nJOBMOJITO_MAX_ATTEMPTS=7\nJOBMOJITO_GIVE_UP_AFTER=8\n", encoding="utf-8")
    env = {"JOBMOJITO_MAX_ATTEMPTS": "9", "JOBMOJITO_GIVE_UP_AFTER": "10"}
    settings = Settings.load({"give_up_after": 11.0, "rate": None}, env=env, dotenv=dotenv, config_file=config)
    assert (settings.concurrency, settings.rate, settings.max_attempts, settings.give_up_after) == (2, 6.0, 9, 11.0)


def test_dotenv_supplies_every_setting_not_only_the_token(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text('JOBMOJITO_TOKEN="tok-1"\nexport JOBMOJITO_BASE_URL=http://127.0.0.1:9/\nJOBMOJITO_FAIL_ON=never\n')
    settings = Settings.load(env={}, dotenv=dotenv)
    assert settings.token.get() == "tok-1" and settings.base_url == "http://127.0.0.1:9" and settings.fail_on == "never"


def test_config_tables_merge_with_mapping_file_and_set(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[defaults]\nposition_name = "Support"\ninterview_attempts = 2\n[columns]\n"Bewerber" = "candidate_name"\n')
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\n"Mail" = "candidate_email"\n')
    flags = {"mapping_file": mapping, "set": ["position_location=Remote"]}
    settings = Settings.load(flags, env={}, dotenv=tmp_path / "x", config_file=config)
    assert settings.defaults == {"position_name": "Support", "interview_attempts": "2", "position_location": "Remote"}
    assert settings.mapping == {"bewerber": "candidate_name", "mail": "candidate_email"}


def test_token_file_beats_the_environment_and_never_shows(tmp_path):
    (tmp_path / "t").write_text("from-file\n")
    settings = Settings.load({"token_file": tmp_path / "t"}, env={"JOBMOJITO_TOKEN": "from-env"}, dotenv=tmp_path / "x")
    assert settings.token == Secret("from-file")
    assert "from-file" not in repr(settings)


def test_a_token_in_the_config_file_is_refused(tmp_path):
    (tmp_path / "c.toml").write_text('token = "abc"\n')
    with pytest.raises(ConfigError, match="holds a token") as caught:
        Settings.load(env={}, dotenv=tmp_path / "x", config_file=tmp_path / "c.toml")
    assert "abc" not in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "key"),
    [("rate = inf", "rate"), ("columns = 5", "columns"), ('read_timeout = "soon"', "read_timeout"),
     ("connect_timeout = -1", "connect_timeout"), ("write_timeout = 0", "write_timeout"), ("concurency = 3", "concurency")],
)  # fmt: skip
def test_bad_config_values_name_the_key(tmp_path, toml, key):
    (tmp_path / "c.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={}, dotenv=tmp_path / "x", config_file=tmp_path / "c.toml")
    assert key in caught.value.message and "c.toml" in caught.value.message


def test_direct_construction_raises_config_error():
    with pytest.raises(ConfigError, match="concurrency"):
        Settings(concurrency=0)
    with pytest.raises(ConfigError, match="unencrypted"):
        Settings(base_url="http://example.com")
    assert Settings(sandbox=True, base_url="http://example.com").sandbox


def test_allowed_words_give_type_range_and_unit():
    assert allowed("max_concurrency") == "a whole number, at least 1, at most 256"
    assert allowed("concurrency") == "auto, or a whole number from 1 to 256"
    assert allowed("give_up_after") == "a number, above 0 (minutes)"
    assert allowed("fail_on") == "one of: reject, invalid, error, never"


def _help_defaults(command: str) -> dict[str, str]:
    text = CliRunner().invoke(main, [command, "--help"], terminal_width=400).output
    return {m[0].replace("-", "_"): m[1] for m in re.findall(r"--([a-z-]+)[^\n]*?\[default: ([^\]]+)\]", text)}


@pytest.mark.parametrize("command", ["run", "validate"])
def test_help_shows_the_settings_defaults(command):
    shown = _help_defaults(command)
    assert shown, "no default shown in --help"
    for name, text in shown.items():
        default = Settings.model_fields[name].default
        assert type(default)(text) == default, name


def _flag_names() -> set[str]:
    command = main.commands["run"]
    return {p.name for p in command.params if isinstance(p, click.Option)}


def _bad_value(name: str) -> st.SearchStrategy[str]:
    annotation = Settings.model_fields[name].annotation
    words = st.sampled_from(["soon", "many", "x1", "maybe"])
    if annotation is bool:
        return words
    if annotation in (int, float):
        numbers = ["-1", "-0.5", "nan", "inf", "1e999"] if annotation is float else ["-1", "0", "1.5"]
        return words | st.sampled_from(numbers)
    return st.sampled_from(["sometimes", "all", "ERROR!"])


def _names_the_key(name: str, text: str) -> bool:
    return name in text or name.upper() in text or name.replace("_", "-") in text


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), source=st.sampled_from(["flag", "env", "dotenv", "toml"]))
def test_bad_values_from_every_source_exit_2_naming_the_key(tmp_path_factory, data, source):
    candidates = [
        n for n in SCALARS if source != "flag" or (n in _flag_names() and Settings.model_fields[n].annotation is not bool)
    ]
    name = data.draw(st.sampled_from(candidates), label="key")
    value = data.draw(_bad_value(name), label="value")
    folder = tmp_path_factory.mktemp("bad")
    source_file = folder / "list.csv"
    source_file.write_text("Name,Email\nAna,ana@example.org\n")
    args, env = ["run", str(source_file)], {"JOBMOJITO_TOKEN": "t"}
    if source == "flag":
        args += [f"--{name.replace('_', '-')}", value]
    elif source == "env":
        env[f"JOBMOJITO_{name.upper()}"] = value
    elif source == "dotenv":
        (folder / ".env").write_text(f"JOBMOJITO_{name.upper()}={value}\n")
    else:
        toml_value = value if value in ("nan", "inf", "-1", "0", "1.5", "-0.5") or value.isdigit() else f'"{value}"'
        (folder / "c.toml").write_text(f"{name} = {toml_value}\n")
        args += ["--config", str(folder / "c.toml")]
    with contextlib.chdir(folder):
        result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2, (name, value, source, result.output)
    assert _names_the_key(name, result.output), result.output
    assert "unexpected" not in result.output


def test_a_bad_mapping_file_names_what_is_wrong(tmp_path):
    mapping = tmp_path / "m.toml"
    for text, expected in [("columns = 5\n", "not a table"), ('[columns]\n"Mail" = "e_mail"\n', "not a request field")]:
        mapping.write_text(text)
        with pytest.raises(ConfigError, match=expected):
            Settings.load({"mapping_file": mapping}, env={}, dotenv=tmp_path / "x")


def test_the_dispatcher_policy_gets_seconds_from_the_minutes_setting():
    from batch_enrol.dispatcher import policy_from

    policy = policy_from(Settings(give_up_after=2, concurrency=3))
    assert policy.give_up_after == 120 and policy.concurrency == 3


def test_replace_is_a_validated_copy():
    base = Settings(sandbox=True, rate=2)
    assert base.replace(concurrency=3) == Settings(sandbox=True, rate=2, concurrency=3)
    with pytest.raises(ConfigError, match="concurrency"):
        base.replace(concurrency=0)


def test_token_from_file_then_environment_then_dotenv(tmp_path):
    from batch_enrol.settings import token_from

    (tmp_path / ".env").write_text("JOBMOJITO_TOKEN=from-dotenv\n")
    assert token_from({}, None, tmp_path).get() == "from-dotenv"
    assert token_from({"JOBMOJITO_TOKEN": "from-env"}, None, tmp_path).get() == "from-env"
    with pytest.raises(ConfigError, match="malformed"):
        token_from({"JOBMOJITO_TOKEN": "two words"}, None, tmp_path)


@pytest.mark.parametrize(("line", "message"), [("JOBMOJITO_CONCURENCY=4", "unknown setting JOBMOJITO_CONCURENCY"),
                                               ("JOBMOJITO_RATE 5", "line 2 is not KEY=VALUE"),
                                               ("JOBMOJITO_BASE_URL='http://x", "line 2 (JOBMOJITO_BASE_URL): the quote is not closed"),
                                               ("JOBMOJITO_MAPPING=missing.toml", "JOBMOJITO_MAPPING in")])  # fmt: skip
def test_a_broken_or_unknown_dotenv_line_is_refused_naming_it(tmp_path, line, message):
    (tmp_path / ".env").write_text(f"# settings\n{line}\n")
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        Settings.load(env={}, dotenv=tmp_path / ".env")
    assert caught.value.exit_code == 2
    if "CONCURENCY" in line:
        assert "JOBMOJITO_CONCURRENCY" in caught.value.hint


def test_unknown_environment_names_warn_and_flag_only_names_are_refused(tmp_path, caplog):
    assert Settings.load(env={"JOBMOJITO_CONCURENCY": "4"}, dotenv=tmp_path / ".env").concurrency != 4
    assert "JOBMOJITO_CONCURENCY is no batch-enrol setting" in caplog.text and "JOBMOJITO_CONCURRENCY" in caplog.text
    for name, flag in (("JOBMOJITO_MAPPING", "--mapping"), ("JOBMOJITO_CONFIG", "--config")):
        with pytest.raises(ConfigError, match=f"{name} is not read: use {flag}"):
            Settings.load(env={name: str(tmp_path / "missing.toml")}, dotenv=tmp_path / ".env")


@pytest.mark.parametrize(("toml", "shown"), [("concurrency = true", "concurrency in"), ("max_attempts = false", "max_attempts in"),
                                             ("columns = 5", "columns in")])  # fmt: skip
def test_config_booleans_for_numbers_and_a_bad_columns_table_name_their_key(tmp_path, toml, shown):
    (tmp_path / "c.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError, match=re.escape(shown)) as caught:
        Settings.load(env={}, dotenv=tmp_path / ".env", config_file=tmp_path / "c.toml")
    assert "mapping in" not in caught.value.message
