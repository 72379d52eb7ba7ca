"""The local action runner on small composite actions written here, one behaviour per test."""

from __future__ import annotations

import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.support.action_runner import ActionRunner


def write_action(root: Path, rel: str, body: str) -> Path:
    path = root / rel / "action.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path.parent


def composite(root: Path, *, steps: str, head: str = "", rel: str = "act", name: str = "t") -> Path:
    """A composite action at `root/rel`: `head` is its inputs/outputs YAML, `steps` its step list.

    The name/description/runs lines every action needs are written here, so a test shows only
    what it is about.
    """
    head = textwrap.dedent(head).strip("\n")
    steps = textwrap.indent(textwrap.dedent(steps).strip("\n"), "    ")
    lines = [f"name: {name}", f"description: {name}", *([head] if head else [])]
    return write_action(root, rel, "\n".join([*lines, "runs:", "  using: composite", "  steps:", steps, ""]))


@pytest.fixture
def runner(tmp_path: Path) -> ActionRunner:
    (tmp_path / "ws").mkdir()
    return ActionRunner(tmp_path / "ws", temp=tmp_path / "temp", step_timeout=30)


def test_inputs_outputs_env_and_heredoc(runner: ActionRunner) -> None:
    action = composite(runner.workspace, head="""
        inputs:
          who: {description: w, required: true}
          greeting: {description: g, default: "hi ${{ github.repository }}"}
        outputs:
          text: {description: x, value: "${{ steps.say.outputs.text }}"}
          lines: {description: x, value: "${{ steps.say.outputs.lines }}"}
          carried: {description: x, value: "${{ env.CARRIED }}"}
    """, steps="""
        - id: say
          shell: bash
          env:
            WHO: ${{ inputs.who }}
            GREETING: ${{ inputs.greeting }}
          run: |
            echo "text=$GREETING $WHO" >> "$GITHUB_OUTPUT"
            { echo "lines<<EOF_1"; printf 'a\\nb\\n'; echo "EOF_1"; } >> "$GITHUB_OUTPUT"
            echo "CARRIED=from-env-file" >> "$GITHUB_ENV"
            echo "$GITHUB_ACTION_PATH" > "$RUNNER_TEMP/path.txt"
            echo "## summary" >> "$GITHUB_STEP_SUMMARY"
        - shell: bash
          run: |
            test "$CARRIED" = from-env-file && test "$GITHUB_ACTIONS" = true
            test -n "$GITHUB_EVENT_PATH" && test "$RUNNER_OS" = Linux
    """)
    result = runner.run_action(action, {"who": "you"})
    assert result.ok, result.text
    assert result.outputs == {"text": "hi acme/models you", "lines": "a\nb", "carried": "from-env-file"}
    assert (runner.state.temp / "path.txt").read_text().strip() == str(action.resolve())
    assert result.summary.strip() == "## summary"


def test_missing_required_input_fails(runner: ActionRunner) -> None:
    action = composite(runner.workspace, head="""
        inputs: {x: {description: x, required: true}}
    """, steps="""
        - {shell: bash, run: "true"}
    """)
    result = runner.run_action(action, {})
    assert not result.ok and "required" in result.text


def test_failure_skips_then_always_and_failure_run(runner: ActionRunner) -> None:
    action = composite(runner.workspace, head="""
        outputs:
          seen: {description: s, value: "${{ steps.boom.outcome }}/${{ steps.boom.conclusion }}"}
    """, steps="""
        - {id: boom, shell: bash, run: "echo before; exit 3"}
        - {id: skipped, shell: bash, run: "echo should-not-run"}
        - {id: cleanup, if: always(), shell: bash, run: "echo cleanup-ran"}
        - id: onfail
          if: "failure() && steps.boom.outcome == 'failure'"
          shell: bash
          run: echo failure-ran
        - {id: onsuccess, if: success(), shell: bash, run: "echo success-ran"}
    """)
    result = runner.run_action(action)
    assert result.outcome == "failure"
    assert result.step("boom").exit_code == 3
    assert [result.step(s).outcome for s in ("skipped", "cleanup", "onfail", "onsuccess")] == [
        "skipped", "success", "success", "skipped"]
    assert "cleanup-ran" in result.text and "failure-ran" in result.text
    assert "should-not-run" not in result.text
    assert result.outputs["seen"] == "failure/failure"
    assert "Process completed with exit code 3." in result.errors()


def test_continue_on_error_keeps_success(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {id: may, shell: bash, continue-on-error: true, run: "exit 1"}
        - {id: next, shell: bash, run: "echo next"}
    """)
    result = runner.run_action(action)
    assert result.ok
    assert (result.step("may").outcome, result.step("may").conclusion) == ("failure", "success")
    assert result.step("next").outcome == "success"


def test_nested_local_uses_and_status_scoped_to_composite(runner: ActionRunner) -> None:
    composite(runner.workspace, head="""
        inputs: {n: {description: n, default: "1"}}
        outputs: {double: {description: d, value: "${{ steps.calc.outputs.v }}"}}
    """, steps="""
        - id: calc
          shell: bash
          env: {N: "${{ inputs.n }}", FROM_PARENT: "${{ env.PARENT_VAR }}"}
          run: echo "v=$((N * 2))-$FROM_PARENT-$STEP_ENV" >> "$GITHUB_OUTPUT"
    """, rel="inner", name="inner")
    outer = composite(runner.workspace, head="""
        outputs: {result: {description: r, value: "${{ steps.call.outputs.double }}"}}
    """, steps="""
        - id: call
          uses: ./inner
          with: {n: "21"}
          env: {STEP_ENV: step}
    """, rel="outer", name="outer")
    result = runner.run_action(outer, env={"PARENT_VAR": "p"})
    assert result.ok, result.text
    assert result.outputs == {"result": "42-p-step"}
    assert result.step("call/calc").outcome == "success"


def test_masking_of_secrets_and_add_mask(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    runner = ActionRunner(tmp_path / "ws", temp=tmp_path / "t", token="ghs_secret_token",
                          secrets={"K": "hunter2"})
    action = composite(runner.workspace, head="""
        inputs: {token: {description: t, default: "${{ github.token }}"}}
    """, steps="""
        - shell: bash
          env: {TOKEN: "${{ inputs.token }}"}
          run: |
            echo "token is $TOKEN and hunter2"
            echo "::add-mask::late-value"
            echo "now late-value"
            echo "::error file=deploy.yaml,line=3::bad late-value"
            echo "::warning::careful"
    """)
    result = runner.run_action(action)
    assert result.ok
    assert "ghs_secret_token" not in result.text and "hunter2" not in result.text
    assert "token is *** and ***" in result.text and "now ***" in result.text
    assert "late-value" not in result.text
    errors = [a for a in result.annotations if a.level == "error"]
    assert errors[0].file == "deploy.yaml" and errors[0].line == 3 and errors[0].message == "bad ***"
    assert any(a.level == "warning" and a.message == "careful" for a in result.annotations)


def test_unterminated_heredoc_fails_step(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {shell: bash, run: "printf 'x<<END\\nvalue\\n' >> \\"$GITHUB_OUTPUT\\""}
    """)
    result = runner.run_action(action)
    assert not result.ok and "delimiter" in (result.steps[0].error or "")


def test_unknown_third_party_action_is_refused(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {uses: "someone/thing@v1"}
    """)
    result = runner.run_action(action)
    assert not result.ok and "not available in the local action runner" in result.text


def test_cache_and_artifacts_stand_ins(runner: ActionRunner) -> None:
    action = composite(runner.workspace, head="""
        outputs: {hit: {description: h, value: "${{ steps.cache.outputs.cache-hit }}"}}
    """, steps="""
        - id: cache
          uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684
          with: {path: cached, key: k-1}
        - {shell: bash, run: "mkdir -p cached out && date +%N > cached/stamp && echo r > out/result.json"}
        - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02
          with: {name: results, path: out/}
        - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093
          with: {name: results, path: back}
        - {shell: bash, run: "test -f back/result.json"}
    """)
    first = runner.run_action(action)
    assert first.ok, first.text
    assert first.outputs["hit"] == "false"
    stamp = (runner.workspace / "cached" / "stamp").read_text()
    (runner.workspace / "cached" / "stamp").unlink()
    second = runner.run_action(action)  # same runner: the cache persists; the artifact name is taken
    assert second.outputs["hit"] == "true"
    assert not second.ok and "already exists" in second.text
    assert (runner.workspace / "cached" / "stamp").read_text() != stamp  # the step rewrote it after restore


def test_timeout_kills_the_process_tree(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {shell: bash, run: "sleep 30 & sleep 30"}
    """)
    runner.state.step_timeout = 0.5
    runner._settings["step_timeout"] = 0.5
    started = time.monotonic()
    result = runner.run_action(action)
    assert not result.ok and "timed out" in (result.steps[0].error or "")
    assert time.monotonic() - started < 10


def test_cancel_runs_always_steps(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {id: long, shell: bash, run: "sleep 20"}
        - {id: normal, shell: bash, run: "echo normal"}
        - {id: cleanup, if: "always()", shell: bash, run: "echo cleaned"}
        - {id: oncancel, if: "cancelled()", shell: bash, run: "echo cancelled-seen"}
    """)
    threading.Timer(0.5, runner.cancel).start()
    result = runner.run_action(action)
    assert result.outcome == "cancelled"
    assert result.step("long").outcome == "cancelled"
    assert result.step("normal").outcome == "skipped"
    assert "cleaned" in result.text and "cancelled-seen" in result.text


def test_workflow_job_with_matrix_and_defaults(runner: ActionRunner) -> None:
    write_action(runner.workspace, ".", """
        name: root
        description: r
        inputs: {strategy: {description: s, required: true}}
        outputs: {echo: {description: e, value: "${{ steps.e.outputs.v }}"}}
        runs: {using: composite, steps: [{id: e, shell: bash, env: {S: "${{ inputs.strategy }}"},
                                          run: "echo v=$S >> $GITHUB_OUTPUT"}]}
    """)
    wf = runner.workspace / "wf.yml"
    wf.write_text(textwrap.dedent("""
        name: wf
        on:
          workflow_dispatch:
            inputs: {action: {type: choice, options: [promote, rollback], default: promote}}
        env: {TOP: top}
        jobs:
          e2e:
            runs-on: ubuntu-latest
            outputs: {got: "${{ steps.root.outputs.echo }}"}
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
                with: {persist-credentials: false}
              - id: root
                uses: ./
                with: {strategy: "${{ matrix.strategy }}"}
              - run: test "$TOP" = top && echo "${{ inputs.action }}"
    """))
    result = runner.run_job(wf, "e2e", matrix={"strategy": "canary"})
    assert result.ok, result.text
    assert result.outputs == {"got": "canary"}
    assert "promote" in result.text


def test_path_workdir_annotation_cap_and_stop_commands(runner: ActionRunner) -> None:
    (runner.workspace / "sub").mkdir()
    action = composite(runner.workspace, steps="""
        - shell: bash
          run: |
            mkdir -p "$RUNNER_TEMP/bin"
            printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/mytool"
            chmod +x "$RUNNER_TEMP/bin/mytool" && echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
        - shell: bash
          working-directory: sub
          run: |
            mytool && basename "$PWD"
            for i in $(seq 12); do echo "::error::e$i"; done
            echo "::stop-commands::tok"
            echo "::error::not-a-command"
            echo "::tok::"
            echo "::notice title=T::n1"
    """)
    result = runner.run_action(action)
    assert result.ok, result.text
    assert "tool-ran" in result.text and "\nsub\n" in f"\n{result.text}\n"
    errors = [a.message for a in result.annotations if a.level == "error"]
    assert errors == [f"e{i}" for i in range(1, 11)]  # GitHub keeps 10 per step
    assert "::error::not-a-command" in result.text
    assert any(a.level == "notice" and a.title == "T" for a in result.annotations)


def test_composite_steps_are_private_and_if_sees_only_its_own_failures(runner: ActionRunner) -> None:
    composite(runner.workspace, head="""
        outputs: {saw: {description: s, value: "${{ steps.check.outputs.saw }}"}}
    """, steps="""
        - id: check
          shell: bash
          run: echo "saw=inner-ran" >> "$GITHUB_OUTPUT"
    """, rel="inner", name="inner")
    outer = composite(runner.workspace, head="""
        outputs:
          leaked: {description: l, value: "${{ steps.check.outputs.saw }}"}
          via: {description: v, value: "${{ steps.inner.outputs.saw }}"}
    """, steps="""
        - {id: fail, shell: bash, continue-on-error: true, run: "exit 1"}
        - {id: inner, uses: ./inner}
    """, rel="outer", name="outer")
    result = runner.run_action(outer)
    assert result.ok, result.text
    assert result.outputs == {"leaked": "", "via": "inner-ran"}


def test_github_env_cannot_override_the_runners_own_variables(runner: ActionRunner) -> None:
    action = composite(runner.workspace, steps="""
        - {shell: bash, run: "echo GITHUB_WORKSPACE=/evil >> $GITHUB_ENV; echo MINE=1 >> $GITHUB_ENV"}
        - {shell: bash, run: "test \\"$GITHUB_WORKSPACE\\" != /evil && test \\"$MINE\\" = 1"}
    """)
    result = runner.run_action(action)
    assert result.ok, result.text
    assert any("cannot set GITHUB_WORKSPACE" in a.message for a in result.annotations)
