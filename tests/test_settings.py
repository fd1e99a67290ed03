"""Configuration loading: real files, exact error messages, file selection, defaults, fuzzing."""

from __future__ import annotations

import os
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimetrics.errors import ConfigError
from aimetrics.settings import (
    CONFIG_ENV,
    Settings,
    load_settings,
    parse_settings,
)
from aimetrics.vocabulary import TOOL_IDS

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "aimetrics.example.yaml"


def write(tmp_path: Path, text: str, name: str = "aimetrics.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path | str | None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


# -- valid files -----------------------------------------------------------------------------------


def test_defaults_without_any_file() -> None:
    s = load_settings()
    assert s == Settings()
    assert s.source_file is None
    assert s.store.url is None
    assert s.github.base_url == "https://api.github.com"
    assert s.github.token_env == "GITHUB_TOKEN"
    assert s.github.include == ["*"]
    assert s.github.max_parallel_repos == 4
    assert s.privacy.min_group_size == 5
    assert s.privacy.show_individuals is False
    assert s.reporting.timezone == "UTC"
    assert s.reporting.week_start == "monday"
    assert s.reporting.week_start_index == 0
    assert s.tagging.min_confidence == "medium"
    assert s.tagging.extra_rules == []
    assert (s.statistics.min_engineers, s.statistics.min_prs) == (8, 30)
    assert (s.statistics.bootstrap_samples, s.statistics.confidence_level) == (1000, 0.9)
    assert s.statistics.seed == 7
    assert s.roi.hours_saved_per_ai_user_per_week == 2


def test_shipped_example_loads_and_round_trips() -> None:
    s = load_settings(EXAMPLE)
    assert s.source_file == EXAMPLE
    assert s.github.orgs == ["my-org"]
    assert [t.slug for t in s.teams] == ["payments", "platform"]
    assert s.teams[1].name == "platform"  # defaults to the slug
    bob = s.teams[0].members[1]
    assert (bob.login, bob.valid_from, bob.valid_to) == ("bob", date(2026, 3, 1), None)
    assert s.ai_tools[1].name == "Cursor"  # defaults to the catalogue name
    plan = s.ai_tools[0].plans[0]
    assert plan.seats_on(date(2025, 12, 31)) == 0
    assert plan.seats_on(date(2026, 2, 1)) == 20
    assert plan.seats_on(date(2026, 4, 1)) == 35
    again = parse_settings(s.to_yaml())
    assert again.model_dump() == s.model_dump()


def test_example_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert set(data) == set(Settings.model_fields)
    for section, value in data.items():
        if isinstance(value, dict):
            model = Settings.model_fields[section].annotation
            assert model is not None
            fields = {f.alias or n for n, f in model.model_fields.items()}
            assert set(value) == fields, section


def test_full_file_with_every_kind_of_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        store: {url: "postgresql://aimetrics@db:5432/aimetrics"}
        github:
          base_url: https://github.example.com/api/v3/
          token_env: GHES_TOKEN
          app: {app_id: 12, private_key_file: keys/app.pem}
          orgs: [acme]
          exclude: ["*-archive", "acme/secret"]
          enterprise: acme-corp
        teams:
          - slug: core
            members:
              - alice
              - {login: bob, from: "2026-01-01", to: 2026-06-01}
              - {login: bob, from: 2026-07-01}
        people:
          - {login: alice, emails: [Alice@Corp.Example]}
        ai_tools:
          - id: claude-code
            plans:
              - {name: team, price_per_seat_month: 25, currency: EUR,
                 seats: [{from: 2026-01-01, count: 5}]}
        reporting:
          {timezone: Europe/Berlin, week_start: Sunday, currency: USD, exchange_rates: {EUR: 1.08}}
        exclude: {people: ["renovate[bot]"], repos: ["acme/legacy-*"]}
        privacy:
        tagging: {extra_rules: [{id: our-label, where: label, pattern: ai-assisted}], disable: [x]}
        """,
    )
    s = load_settings(path)
    assert s.store.url == "postgresql://aimetrics@db:5432/aimetrics"
    assert s.github.base_url == "https://github.example.com/api/v3"
    assert s.github.is_enterprise_server
    assert s.github.app is not None and s.github.app.installation_id is None
    assert s.resolve_path(s.github.app.private_key_file) == tmp_path / "keys" / "app.pem"
    assert s.teams[0].members_on(date(2026, 6, 15)) == ["alice"]
    assert s.teams[0].members_on(date(2026, 7, 1)) == ["alice", "bob"]
    assert s.people[0].emails == ["alice@corp.example"]
    assert s.reporting.week_start == "sunday" and s.reporting.week_start_index == 6
    assert s.reporting.to_reporting(100, "EUR") == pytest.approx(108)
    assert s.privacy.min_group_size == 5  # empty section keeps its defaults
    assert s.tagging.extra_rules == [
        {"id": "our-label", "where": "label", "pattern": "ai-assisted"}
    ]
    assert s.github.selects_repo("acme/api")
    assert not s.github.selects_repo("acme/old-archive")
    assert not s.github.selects_repo("acme/secret")
    assert not s.github.selects_repo("acme/api", fork=True)
    assert s.is_excluded_repo("acme/legacy-billing") and not s.is_excluded_repo("acme/api")
    assert s.is_excluded_person("Renovate[bot]")
    with pytest.raises(ConfigError, match=r"no rate for GBP.*exchange_rates: \{GBP: 1.10\}"):
        s.reporting.to_reporting(1, "GBP")


def test_empty_file_and_comment_only_file_mean_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")).model_dump() == Settings().model_dump()
    assert load_settings(write(tmp_path, "# nothing yet\n")).privacy.min_group_size == 5


def test_token_is_read_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    s = parse_settings("github: {token_env: MY_GH_TOKEN}")
    monkeypatch.delenv("MY_GH_TOKEN", raising=False)
    assert s.github.token() is None
    monkeypatch.setenv("MY_GH_TOKEN", "")
    assert s.github.token() is None
    monkeypatch.setenv("MY_GH_TOKEN", "ghp_x")
    assert s.github.token() == "ghp_x"


def test_settings_are_frozen() -> None:
    s = Settings()
    with pytest.raises(ValueError, match="frozen"):
        s.privacy.min_group_size = 1  # type: ignore[misc]


# -- choosing the file -----------------------------------------------------------------------------


def test_path_argument_wins_over_env_and_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "privacy: {min_group_size: 2}")
    env_file = write(tmp_path, "privacy: {min_group_size: 3}", "env.yaml")
    given_file = write(tmp_path, "privacy: {min_group_size: 4}", "given.yaml")
    monkeypatch.setenv(CONFIG_ENV, str(env_file))
    assert load_settings(given_file).privacy.min_group_size == 4
    assert load_settings(str(given_file)).privacy.min_group_size == 4


def test_env_var_selects_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "privacy: {min_group_size: 2}")
    env_file = write(tmp_path, "privacy: {min_group_size: 3}", "env.yaml")
    monkeypatch.setenv(CONFIG_ENV, str(env_file))
    s = load_settings()
    assert s.privacy.min_group_size == 3
    assert s.source_file == env_file


def test_working_directory_file_is_used_when_nothing_else(tmp_path: Path) -> None:
    write(tmp_path, "privacy: {min_group_size: 2}")
    s = load_settings()
    assert s.privacy.min_group_size == 2
    assert s.source_file == tmp_path / "aimetrics.yaml"


def test_missing_env_file_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "gone.yaml"))
    message = error_of(None)
    assert message.startswith(
        f"{tmp_path / 'gone.yaml'}: config file not found (named by {CONFIG_ENV})"
    )
    assert "config/aimetrics.example.yaml" in message


# -- bad files: each message names file, line, field, problem and a fix ----------------------------


def test_file_not_found(tmp_path: Path) -> None:
    message = error_of(tmp_path / "nope.yaml")
    assert message.startswith(f"{tmp_path / 'nope.yaml'}: config file not found.")
    assert "--config" in message


def test_folder_instead_of_file(tmp_path: Path) -> None:
    assert "is a folder, not a config file" in error_of(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy: {}")
    path.chmod(0)
    message = error_of(path)
    assert message == (
        f"{path}: config file cannot be read (permission denied). "
        f"Make it readable by this user, e.g. chmod 644 {path}"
    )


def test_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy: {}") / "aimetrics.yaml"
    assert error_of(path) == f"{path}: config file cannot be read: Not a directory"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"teams:\n  - slug: caf\xe9\n")
    assert error_of(path).startswith(f"{path}, line 2: not UTF-8 text (byte 0xe9)")


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        github:
          orgs: [acme
        privacy:
          min_group_size: 5
        """,
    )
    assert error_of(path) == (
        f"{path}, line 3, column 8: malformed YAML: expected ',' or ']', but got ':' (while "
        "parsing a flow sequence on line 2). Hint: close each '[' with ']' on the same line, "
        "e.g. orgs: [acme, beta]"
    )


def test_tab_indentation(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yaml"
    path.write_text("privacy:\n\tmin_group_size: 5\n", encoding="utf-8")
    message = error_of(path)
    assert message.startswith(f"{path}, line 2, column 1: malformed YAML:")
    assert "indent with spaces, not tabs" in message


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy:\n  min_group_size: 5\n  min_group_size: 6\n")
    assert error_of(path) == (
        f"{path}, line 3, column 3: malformed YAML: the key 'min_group_size' appears twice in "
        "this mapping (first on line 2); keep only one. Delete one of the two lines"
    )


def test_impossible_date_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "teams:\n  - slug: a\n    members:\n      - {login: b, from: 2026-02-30}\n"
    )
    message = error_of(path)
    assert message.startswith(f"{path}, line 4, column 26: malformed YAML: cannot read the value")
    assert "day is out of range for month" in message
    assert "YYYY-MM-DD" in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- github\n- privacy\n")
    assert error_of(path) == (
        f"{path}, line 1: the file must be a mapping of sections such as 'github:' and "
        "'privacy:', but it is a list. For example: privacy: {min_group_size: 5}"
    )


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy:\n  show_individuals: false\n  min_grup_size: 3\n")
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 3: privacy.min_grup_size: unknown key 'min_grup_size'. "
        "Did you mean 'min_group_size'?"
    )
    assert "Valid keys here: administrators, min_group_size, show_individuals." in message


def test_unknown_key_in_the_wrong_section_says_where_it_belongs(tmp_path: Path) -> None:
    path = write(tmp_path, "github:\n  orgs: [acme]\ntimezone: Europe/Paris\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line 3: timezone: unknown key 'timezone'.")
    assert "It belongs elsewhere: reporting.timezone." in message


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy:\n  min_group_size: five\n")
    assert error_of(path) == (
        f"{path}, line 2: privacy.min_group_size: must be a whole number, got 'five'. "
        "For example: min_group_size: 5"
    )


def test_min_group_size_below_one(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy:\n  min_group_size: 0\n")
    assert error_of(path) == (
        f"{path}, line 2: privacy.min_group_size: must be at least 1, got 0. "
        "For example: min_group_size: 5"
    )


def test_negative_price(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        ai_tools:
          - id: github-copilot
            plans:
              - name: business
                price_per_seat_month: -19
        """,
    )
    assert error_of(path) == (
        f"{path}, line 5: ai_tools[0].plans[0].price_per_seat_month: must be at least 0, "
        "got -19. For example: price_per_seat_month: 19"
    )


def test_bad_time_zone_suggests_a_real_one(tmp_path: Path) -> None:
    path = write(tmp_path, "reporting:\n  week_start: monday\n  timezone: Europe/Berln\n")
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 3: reporting.timezone: 'Europe/Berln' is not a time zone name. "
        "Did you mean 'Europe/Berlin'?"
    )
    assert message.endswith("For example: timezone: Europe/Berlin")


def test_week_start_must_be_a_weekday(tmp_path: Path) -> None:
    path = write(tmp_path, "reporting:\n  week_start: mon\n")
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 2: reporting.week_start: 'mon' is not a weekday name. Did you mean 'monday'?"
    )


def test_date_in_wrong_format(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        teams:
          - slug: payments
            members:
              - alice
              - {login: bob, from: 01/03/2026}
        """,
    )
    assert error_of(path) == (
        f"{path}, line 5: teams[0].members[1].from: must be a date written YYYY-MM-DD, "
        "got '01/03/2026'. For example: from: 2026-03-01"
    )


def test_seat_changes_out_of_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        ai_tools:
          - id: cursor
            plans:
              - name: teams
                price_per_seat_month: 40
                seats:
                  - {from: 2026-03-01, count: 8}
                  - {from: 2026-02-01, count: 10}
        """,
    )
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 8: ai_tools[0].plans[0].seats[1].from: seat changes must be in ascending "
        "date order: 2026-02-01 comes after 2026-03-01 (seats[0])"
    )


def test_duplicate_team_slugs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        teams:
          - slug: payments
            members: [alice]
          - slug: search
          - slug: Payments
        """,
    )
    assert error_of(path) == (
        f"{path}, line 5: teams[2].slug: team slug 'Payments' appears twice (first at [0]); "
        "each must be unique. For example: slug: payments"
    )


def test_unknown_tool_id_lists_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "ai_tools:\n  - id: copilot\n")
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 2: ai_tools[0].id: unknown AI tool 'copilot'. Did you mean 'github-copilot'?"
    )
    assert "Valid ids: " + ", ".join(TOOL_IDS) in message


@pytest.mark.parametrize(
    "secret",
    [
        "ghp_" + "a1B2" * 9,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "gho_short",
        "x9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0",
    ],
)
def test_token_pasted_in_token_env_is_refused_without_echo(tmp_path: Path, secret: str) -> None:
    path = write(tmp_path, f"github:\n  orgs: [acme]\n  token_env: {secret}\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line 3: github.token_env: this looks like a token itself")
    assert "NAME of the environment variable" in message
    assert "For example: token_env: GITHUB_TOKEN" in message
    assert secret not in message
    assert secret[:8] not in message


def test_token_key_is_refused_without_echo(tmp_path: Path) -> None:
    path = write(tmp_path, "github:\n  token: ghp_supersecretvalue\n")
    message = error_of(path)
    assert message.startswith(
        f"{path}, line 2: github.token: the token itself never goes in the file"
    )
    assert "ghp_supersecretvalue" not in message


def test_currency_without_exchange_rate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        reporting: {currency: USD}
        ai_tools:
          - id: claude-code
            plans:
              - name: team
                price_per_seat_month: 25
                currency: EUR
        """,
    )
    assert error_of(path) == (
        f"{path}, line 7: ai_tools[0].plans[0].currency: EUR differs from the reporting currency "
        "USD and reporting.exchange_rates has no rate for it; add one, e.g. "
        "exchange_rates: {EUR: 1.10}"
    )


def test_lowercase_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "roi:\n  currency: usd\n")
    assert error_of(path) == (
        f"{path}, line 2: roi.currency: 'usd': write currency codes in capitals: USD. "
        "For example: currency: USD"
    )


def test_missing_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, "teams:\n  - name: Payments\n    members: [alice]\n")
    assert error_of(path) == (
        f"{path}, line 2: teams[0].slug: is required but missing. For example: slug: payments"
    )


def test_store_url_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "store:\n  url: hunter2@db\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line 2: store.url: is not a database URL (value not shown)")
    assert "hunter2" not in message


def test_unquoted_boolean_key(tmp_path: Path) -> None:
    path = write(tmp_path, "privacy:\n  min_group_size: 5\n  on: true\n")
    message = error_of(path)
    assert message.startswith(f"{path}, line 3: privacy: a key reads as true, not as text")


def test_several_problems_are_listed_one_per_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        github:
          orgs: [acme/api]
        privacy:
          min_group_size: 0
          show_individuals: maybe
        reporting:
          week_start: someday
        """,
    )
    lines = error_of(path).splitlines()
    assert lines[0] == f"{path}: 4 problems in the configuration:"
    assert lines[1].startswith("  line 2: github.orgs[0]: 'acme/api' is a repository")
    assert lines[2].startswith("  line 4: privacy.min_group_size: must be at least 1, got 0.")
    assert lines[3].startswith("  line 5: privacy.show_individuals: must be true or false")
    assert lines[4].startswith("  line 7: reporting.week_start: 'someday' is not a weekday name")
    assert "Traceback" not in "\n".join(lines)


# -- fuzzing: nothing but ConfigError escapes ------------------------------------------------------

_KEYS = sorted(
    {
        "store", "url", "github", "base_url", "token_env", "app", "app_id", "private_key_file",
        "orgs", "repos", "include", "exclude", "teams", "slug", "name", "members", "login", "from",
        "to", "people", "emails", "ai_tools", "id", "plans", "price_per_seat_month", "currency",
        "start", "end", "seats", "count", "holders", "roi", "reporting", "timezone", "week_start",
        "exchange_rates", "privacy", "min_group_size", "tagging", "extra_rules", "statistics",
        "seed", "EUR", "x",
    }
)  # fmt: skip

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["", "UTC", "monday", "github-copilot", "2026-13-01", "ghp_abc", "a/b", "@x"]),
    st.text(max_size=12),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_KEYS), _scalars), inner, max_size=4),
    ),
    max_leaves=25,
)


def _dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


def _check_loads_or_config_error(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        load_settings(path)
    except ConfigError as exc:
        assert str(exc)
        assert "Traceback" not in str(exc)


# Reduced for CI; benchmarks/fuzz_inputs.sh raises FUZZ_EXAMPLES for the full runs.
_FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@_FUZZ
@given(document=st.dictionaries(st.sampled_from(_KEYS), _values, max_size=5))
def test_fuzz_structured_documents(tmp_path: Path, document: dict[str, object]) -> None:
    _check_loads_or_config_error(tmp_path / "fuzz.yaml", _dump(document))


@_FUZZ
@given(data=st.data())
def test_fuzz_one_value_of_the_example_replaced(tmp_path: Path, data: st.DataObject) -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    node: object = document
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if isinstance(node[key], (dict, list)):  # type: ignore[index]
            node = node[key]  # type: ignore[index]
        else:
            break
    if isinstance(node, dict) and node:
        node[data.draw(st.sampled_from(list(node)))] = data.draw(_values)
    elif isinstance(node, list):
        node.append(data.draw(_values))
    _check_loads_or_config_error(tmp_path / "fuzz.yaml", _dump(document))


_YAMLISH = st.text(
    alphabet=st.sampled_from([*"abcz019 :-[]{},#&*!|>'\"\n\t?%@`._/\\", "\u00e9", "\x00"]),
    max_size=80,
)


@_FUZZ
@given(text=_YAMLISH)
def test_fuzz_yamlish_text(tmp_path: Path, text: str) -> None:
    _check_loads_or_config_error(tmp_path / "fuzz.yaml", text)


@_FUZZ
@given(
    prefix=st.sampled_from(["privacy:\n  ", "github:\n  orgs:\n    - ", "teams:\n  - slug: "]),
    text=_YAMLISH,
)
def test_fuzz_text_inside_a_section(tmp_path: Path, prefix: str, text: str) -> None:
    _check_loads_or_config_error(tmp_path / "fuzz.yaml", prefix + text)


def test_every_yaml_example_in_the_docs_loads() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
    blocks = re.findall(r"```yaml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    for block in blocks:
        parse_settings(block, source="docs/configuration.md")
