"""LLM workloads as payloads: length distributions, shared prefixes, dataset files (ShareGPT).

A workload is turned into the ordinary payload list before the run, so both targets walk the
same sequence and every payload carries its own `max_tokens` (which the OpenAI users send as
given). Prompt lengths are in whitespace tokens (words of a fixed vocabulary): no tokenizer is
downloaded, and a server's own tokenizer counts a few more or fewer; what matters for a
comparison is that baseline and candidate get the same prompts. Pure but for reading the
dataset file; deterministic for a seed.

Worked example: promptTokens {distribution: uniform, min: 100, max: 300}, outputTokens
{distribution: fixed, value: 64}, sharedPrefix {tokens: 200, groups: 4}, count 200 → 200
payloads, each a prompt of one of 4 fixed 200-word prefixes plus 100–300 words of its own, and
`max_tokens: 64`: the prefix cache can hit, the decode length is the same on both sides.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.spec.model import Lengths, Workload

VOCABULARY = (
    "the", "model", "reads", "a", "petal", "and", "sepal", "then", "answers", "with", "class", "of",
    "flower", "while", "server", "streams", "tokens", "to", "every", "user", "who", "waits", "for", "an",
    "answer",
)


def draw(lengths: Lengths, rng: random.Random) -> int:
    """One length ≥ 1 from the distribution (normal is clipped to [min, max] when given)."""
    value: int | None
    if lengths.distribution == "fixed":
        value = lengths.value
    elif lengths.distribution == "uniform":
        value = rng.randint(int(lengths.min or 1), int(lengths.max or 1))
    else:  # the schema requires mean and stddev for normal
        value = round(rng.gauss(float(lengths.mean or 1.0), float(lengths.stddev or 0.0)))
        value = max(int(lengths.min), value) if lengths.min is not None else value
        value = min(int(lengths.max), value) if lengths.max is not None else value
    return max(1, int(value or 1))


def words(n: int, rng: random.Random) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def synthetic(workload: Workload) -> list[dict[str, Any]]:
    """`count` prompts of drawn lengths (after a shared prefix, if any), each with its max_tokens."""
    rng = random.Random(workload.seed)
    prefixes = []
    if workload.shared_prefix is not None:
        prefixes = [f"[context {g}] " + words(workload.shared_prefix.tokens, rng)
                    for g in range(workload.shared_prefix.groups)]
    out: list[dict[str, Any]] = []
    for i in range(workload.count):
        body = words(draw(workload.prompt_tokens, rng), rng) if workload.prompt_tokens else f"request {i}"
        prompt = f"{prefixes[i % len(prefixes)]} {body}" if prefixes else body
        payload: dict[str, Any] = {"prompt": prompt}
        if workload.output_tokens is not None:
            payload["max_tokens"] = draw(workload.output_tokens, rng)
        out.append(payload)
    return out


def sharegpt(path: Path, workload: Workload) -> list[dict[str, Any]]:
    """Chat payloads from a ShareGPT-style file (a JSON list, or JSON lines, of
    {"conversations": [{"from": "human"|"gpt", "value": …}, …]}): one payload per human turn
    that has a reply, with the earlier turns as history (multi-turn chat) and `max_tokens` the
    reply's length in words, as vLLM's ShareGPT dataset takes the output length from the reply."""
    text = _read(path)
    try:
        data = json.loads(text) if text.lstrip().startswith("[") else [
            json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise UserError(f"{path}: not JSON or JSON lines ({exc})",
                        fix="a ShareGPT file: a list of {\"conversations\": [...]}") from exc
    roles = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
             "system": "system"}
    out: list[dict[str, Any]] = []
    for n, item in enumerate(data if isinstance(data, list) else []):
        turns = item.get("conversations") if isinstance(item, dict) else None
        if not isinstance(turns, list):
            raise UserError(f"{path}: conversation {n + 1} has no 'conversations' list",
                            fix="each item needs \"conversations\": [{\"from\": \"human\", \"value\": …}, …]")
        history: list[dict[str, str]] = []
        for a, b in itertools.pairwise(turns):
            role = roles.get(str(a.get("from")), "user") if isinstance(a, dict) else "user"
            history.append({"role": role, "content": str(a.get("value", "")) if isinstance(a, dict) else ""})
            reply = b if isinstance(b, dict) else {}
            if role == "user" and roles.get(str(reply.get("from"))) == "assistant":
                length = max(1, len(str(reply.get("value", "")).split()))
                if workload.output_tokens is not None:  # the workload's lengths win over the replies'
                    length = draw(workload.output_tokens, random.Random(workload.seed + len(out)))
                payload: dict[str, Any] = {"messages": list(history), "max_tokens": length}
                out.append(payload)
                if not workload.multi_turn:
                    break
    if not out:
        raise UserError(f"{path}: no human turn with a reply", fix="check the file is ShareGPT-style")
    return out[: workload.count] if workload.count else out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read dataset {path}: {exc.strerror or exc}",
                        fix="check load.workload.dataset (relative to deploy.yaml)") from exc


def workload_payloads(workload: Workload, base_dir: Path) -> list[dict[str, Any]]:
    """The payloads of `load.workload`."""
    if workload.dataset is not None:
        path = (base_dir / workload.dataset).resolve()
        if workload.dataset_format == "sharegpt":
            return sharegpt(path, workload)
        lines = [line for line in _read(path).splitlines() if line.strip()]
        try:
            items = [json.loads(line) for line in lines]
        except ValueError as exc:
            raise UserError(f"{path}: not JSON lines ({exc})",
                            fix="one {\"prompt\": …} object per line") from exc
        rng = random.Random(workload.seed)
        out: list[dict[str, Any]] = [dict(x) if isinstance(x, dict) else {"prompt": str(x)} for x in items]
        if workload.output_tokens is not None:
            for p in out:
                p.setdefault("max_tokens", draw(workload.output_tokens, rng))
        return out[: workload.count] if workload.count else out
    return synthetic(workload)
