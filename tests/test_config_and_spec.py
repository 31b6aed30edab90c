"""Config loading and validation; task spec parsing; the backoff function; timestamps."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from actors.backoff import backoff_delay
from actors.clock import SystemClock, iso
from actors.config import Config, load_config
from actors.errors import ConfigError
from actors.task import new_task_id


def test_defaults_are_the_seeds_world():
    cfg = Config()
    assert cfg.scheduler.interval == 60 and cfg.scheduler.backoff == (10, 30, 60)
    assert cfg.scheduler.retry_limit == 3 and cfg.health.timeout == 2
    assert len(cfg.services) == 21
    critical = sorted(s.name for s in cfg.services if s.critical)
    assert critical == ["Account Safety", "Brain", "Bridge", "Orchestrator", "Telemetry"]
    assert cfg.routing["generate_content"] == "creativeSuite"
    assert cfg.services["creativeSuite"].port == 5250
    assert cfg.recovery.fallbacks == {"vision": "hands", "creativeSuite": "creative",
                                      "distribution": "campaign", "video": "hands"}
    assert [p for p, _ in cfg.balancer.providers] == ["openai", "claude", "gemini", "grok"]


def test_toml_overrides_any_part(tmp_path):
    path = tmp_path / "ops.toml"
    path.write_text("""
[scheduler]
interval = 5
backoff = [1, 2]
[services.vision]
host = "10.0.0.9"
port = 4651
[services.newthing]
name = "New Thing"
port = 7000
[routing]
render = "newthing"
""")
    cfg = load_config(path)
    assert cfg.scheduler.interval == 5 and cfg.scheduler.backoff == (1.0, 2.0)
    assert cfg.services["vision"].base_url == "http://10.0.0.9:4651"
    assert cfg.services["vision"].name == "Vision v2.6"
    assert cfg.routing["render"] == "newthing" and len(cfg.services) == 22


@pytest.mark.parametrize(("text", "key"), [
    ("[scheduler]\nintervall = 5", "scheduler.intervall"),
    ("[scheduler]\ninterval = 'soon'", "scheduler.interval"),
    ("[scheduler]\nretry_limit = -1", "scheduler.retry_limit"),
    ("[services.vision]\nport = 70000", "services.vision.port"),
    ("[services.vision]\ncolour = 'red'", "services.vision.colour"),
    ("[services.x]\nname = 'X'", "services.x.port"),
    ("[routing]\nplan = 'nowhere'", "routing.plan"),
    ("[recovery.fallbacks]\nstrategy = 'nowhere'", "recovery.fallbacks.strategy"),
    ("[recovery.policy]\nvision = 'pray'", "recovery.policy.vision"),
    ("[balancer]\nproviders = [{name = 'x'}]", "balancer.providers[0]"),
    ("bogus = 1", "bogus"),
    ("[health]\ninterval = 3.5", "health.interval"),  # 3.5 + the 2 s timeout reach the 5 s
    ("[scheduler", "not valid TOML"),
])
def test_invalid_config_names_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)


def test_missing_config_file():
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config("/nonexistent/ops.toml")


def test_backoff_is_the_seeds_schedule():
    assert [backoff_delay(r, (10, 30, 60)) for r in range(4)] == [10, 30, 60, 60]
    assert backoff_delay(0, (10,), jitter=0.5, rand=lambda: 1.0) == 15
    assert backoff_delay(0, ()) == 0


def test_task_ids_look_like_the_seeds_and_sort_in_creation_order():
    made = [new_task_id() for _ in range(1000)]  # many within one millisecond
    assert len(set(made)) == 1000 and all(i.startswith("ops-") and len(i) == 20 for i in made)
    assert sorted(made) == made


def test_task_ids_stay_unique_when_the_clock_stands_still_or_steps_back():
    with freeze_time("2026-12-04 12:00:00"):
        same_ms = [new_task_id() for _ in range(100)]
    with freeze_time("2026-12-04 11:00:00"):  # an hour back: ids count on after the last
        stepped_back = [new_task_id() for _ in range(100)]
    made = same_ms + stepped_back
    assert len(set(made)) == 200 and sorted(made) == made


@freeze_time("2025-11-22 22:00:00.123456")
def test_timestamps_are_iso_utc_with_millis():
    assert iso(SystemClock().now()) == "2025-11-22T22:00:00.123Z"


def test_next_retry_stops_at_the_limit():
    from actors.backoff import next_retry

    assert [next_retry(r, 3, (10, 30, 60)) for r in range(4)] == [10, 30, 60, None]
    assert next_retry(0, 0, (10,)) is None
