from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ai_deploy_ci.load import locustfile_gen
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.spec.model import Load


@pytest.mark.parametrize(("load", "protocol", "ref"), [
    (Load(), "json", "ai_deploy_ci.load_users.json_predict:JsonPredictUser"),
    (Load(), "openai", "ai_deploy_ci.load_users.openai_chat:OpenAIChatUser"),
    (Load(user="openai-completions"), "openai",
     "ai_deploy_ci.load_users.openai_completions:OpenAICompletionsUser"),
    (Load(), "open-inference-v2", "ai_deploy_ci.load_users.open_inference_v2:OpenInferenceV2User"),
], ids=["json", "openai-default-chat", "completions", "oip"])
def test_builtin_user_refs(load: Load, protocol: str, ref: str) -> None:
    assert locustfile_gen.user_ref(load, protocol, Path("/repo")) == ref  # type: ignore[arg-type]


def test_own_locustfile_resolved_against_deploy_dir(tmp_path: Path) -> None:
    own = Load(locustfile="load/mine.py")
    assert locustfile_gen.user_ref(own, "json", tmp_path) == str(tmp_path / "load/mine.py")
    assert (locustfile_gen.user_ref(Load(locustfile="mine.py:Heavy"), "json", tmp_path)
            == f"{tmp_path / 'mine.py'}:Heavy")
    assert locustfile_gen.user_kind(Load(locustfile="mine.py"), "json") == "locustfile:mine.py"


def test_make_config_and_command(tmp_path: Path) -> None:
    load = Load(users=3, spawn_rate=1.5, warmup=2.0, duration=60.0, processes=2, payloads=({"text": "a"},))
    c = locustfile_gen.make_config(load, protocol="json", model_name="iris", targets={"baseline": "b"},
                                   samples_dir=tmp_path, payloads=[{"text": "a"}], base_dir=tmp_path,
                                   duration=8.0)
    assert (c.duration, c.warmup, c.users_per_target, c.processes, c.model_name) == (8.0, 2.0, 3, 2, "iris")
    assert RunConfig.from_json(c.to_json()) == c
    cmd = locustfile_gen.locust_command("py", tmp_path / "f.py", c, tmp_path / "r.html")
    assert cmd[:3] == ["py", "-m", "locust"] and "--headless" in cmd
    assert cmd[cmd.index("--processes") + 1] == "2"
    assert "--run-time" not in cmd  # Locust ignores it beside a shape; the shape stops the run


def test_open_model_needs_rate(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="arrivalRate"):
        locustfile_gen.make_config(Load(model="open"), protocol="json", model_name="m", targets={},
                                   samples_dir=tmp_path, payloads=[], base_dir=tmp_path)


def test_cli_side_modules_never_import_locust() -> None:
    """Locust's gevent patching must stay out of the CLI process (and ssl with kubernetes)."""
    code = ("import sys; import ai_deploy_ci.load.runner, ai_deploy_ci.load.availability, "
            "ai_deploy_ci.load.samples_io, ai_deploy_ci.load.summary, ai_deploy_ci.load.distributed, "
            "ai_deploy_ci.commands.load_test, ai_deploy_ci.load_users.wire; "
            "print('locust' in sys.modules or 'gevent' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
