"""Structure-aware generators of hostile inputs: almost-right documents with one thing wrong,
which is what reaches the deep code paths (random bytes stop at the first parser)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.sampled_from(["", "0", "-1", "1e309", "NaN", "@octocat", "30s", "ḃad", "\u0000"]),
)
JSON_VALUES = st.recursive(SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=6), kids, max_size=4)), max_leaves=12)

# YAML fragments that each broke a reader once: tags with wrong values, deep nesting, aliases,
# huge integers, merge keys, tabs, documents separators, flow/block mixes.
YAML_FRAGMENTS = st.sampled_from([
    "!!float sentiment", "!!int three", "!!binary ???", "!!timestamp nope", "!!python/object:os.system x",
    "9" * 4400, "-" + "9" * 4400, "0x" + "f" * 5000, "&a [1, 2]", "*a", "*missing", "<<: *a", "[" * 200,
    "{" * 200, "- " * 200 + "x", "\t- tab", "---\nsecond: doc", "? complex key\n: v", "!custom {a: 1}",
    "'unterminated", '"\\x"', "%YAML 1.1\n---\n", "1.0e+", ".inf", ".nan", "~", "on", "yes", "2026-13-45",
])


@st.composite
def yaml_edits(draw: st.DrawFn, base: str) -> str:
    """`base` (a valid document) with 1–3 of its lines' values replaced by hostile fragments."""
    lines = base.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        key, sep, _value = lines[i].partition(":")
        fragment = draw(st.one_of(YAML_FRAGMENTS, st.text(max_size=12)))
        lines[i] = f"{key}: {fragment}" if sep else fragment
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int, width: int) -> str:
    lines = ['a0: &a0 ["x"]'] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
                                 for i in range(1, levels)]
    return "\n".join(lines) + "\n"


BAD = st.one_of(SCALARS, st.lists(SCALARS, max_size=2))  # a wrong value for a column (cheap to draw)
COLUMN_VALUES = [
    st.one_of(st.sampled_from(["baseline", "candidate"]), BAD),  # target
    st.one_of(st.floats(0, 100), BAD),  # t
    st.one_of(st.floats(0, 1e4), BAD),  # latency_ms
    st.one_of(st.sampled_from([0, 1, True]), BAD),  # ok
    st.one_of(st.sampled_from([200, 500, 0]), st.integers(-(2**70), 2**70), BAD),  # status
    st.one_of(st.integers(0, 10**6), BAD),  # nbytes
    st.one_of(st.sampled_from(["", "timeout"]), BAD),  # error
    st.one_of(st.none(), st.floats(0, 100), BAD),  # ttft_ms
    st.one_of(st.integers(0, 100), BAD),  # tokens
    st.one_of(st.lists(st.floats(0, 50), max_size=3), BAD),  # itl_ms
    st.one_of(st.integers(0, 5), BAD),  # payload
    st.one_of(st.none(), st.text(max_size=5), BAD),  # output
]


@st.composite
def sample_rows(draw: st.DrawFn) -> str:
    """A samples file's text: a header (usually right) and rows (usually right, sometimes not)."""
    header = draw(st.one_of(
        st.just({"format": "ai-deploy-ci-samples", "version": 1}),
        st.fixed_dictionaries({"format": st.sampled_from(["ai-deploy-ci-samples", "x"]),
                               "version": st.one_of(st.just(1), JSON_VALUES)}),
        JSON_VALUES,
    ))
    out = [json.dumps(header) if draw(st.booleans()) or True else ""]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 9))
        if kind < 6:
            out.append(json.dumps([draw(c) for c in COLUMN_VALUES]))
        elif kind < 8:
            out.append(json.dumps(draw(st.lists(BAD, max_size=14))))
        else:
            out.append(draw(st.sampled_from(["[", "[]", "[1,2]", "{", "", "null", "[" * 5000, "9" * 5000])))
    return "\n".join(out) + "\n"


@st.composite
def kubeconfigs(draw: st.DrawFn, server: str) -> Any:
    """Kubeconfig-shaped values with holes: wrong types, missing keys, unknown contexts, exec plugins
    drawn from a fixed set of harmless commands (never arbitrary text: they are executed)."""
    user = draw(st.one_of(
        st.fixed_dictionaries({"token": st.one_of(st.text(max_size=8), JSON_VALUES)}),
        st.fixed_dictionaries({"exec": st.fixed_dictionaries({
            "apiVersion": st.one_of(st.just("client.authentication.k8s.io/v1"), JSON_VALUES),
            "command": st.sampled_from(["/nonexistent/cred-plugin", "false", "true"]),
            "args": st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=2)),
        })}),
        JSON_VALUES,
    ))
    cluster = draw(st.one_of(st.fixed_dictionaries({"server": st.just(server)}),
                             st.fixed_dictionaries({"server": JSON_VALUES}), JSON_VALUES))
    doc: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": draw(st.sampled_from(["u", "other"])), "user": user}],
        "contexts": [{"name": "ctx",
                      "context": {"cluster": draw(st.sampled_from(["c", "missing"])), "user": "u"}}],
        "current-context": draw(st.sampled_from(["ctx", "nope", ""])),
    }
    for key in draw(st.lists(st.sampled_from(sorted(doc)), max_size=2)):
        doc[key] = draw(JSON_VALUES)
    return doc
