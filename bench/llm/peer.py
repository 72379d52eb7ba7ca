"""Our load test beside guidellm on the same sample-server configuration, in the same windows.

    python bench/llm/peer.py --guidellm /path/to/venv/bin/guidellm [--rounds 3] [--seconds 15]

The sample server streams a known truth: 80 ms to the first token, then one token every 20 ms,
32 tokens (E2E 80 + 31 × 20 = 700 ms; 4 streams → 4 × 32 / 0.7 = 182.9 output tokens/s).
Each round starts one server, then guidellm (4 concurrent streams) and our runner (the
openai-completions user, 4 users, our whole post-processing) against it at the same time, so a
busy machine slows both alike. Prints, per metric, the truth, our median and guidellm's median
over the rounds, and our deviation from guidellm. Names differ: guidellm's "ITL" is our TPOT.

guidellm is not a project dependency (0.8.1 pulls torch and transformers: a 5.6 GB venv). Make
one apart: `uv venv /tmp/peer && uv pip install --python /tmp/peer/bin/python guidellm==0.8.1`.
No tokenizer is downloaded: a word-level tokenizer is built locally (`tokenizers`) from the
sample server's own corpus, so guidellm counts tokens as the server does (one word, one token).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ai_deploy_ci.load import runner
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.load.locustfile_gen import BUILTIN_USERS
from ai_deploy_ci.local.model_server.knobs import Knobs
from ai_deploy_ci.local.model_server.process import start_model_server_process
from ai_deploy_ci.local.model_server.textgen import load_corpus

FIRST_MS, INTERVAL_MS, TOKENS, STREAMS = 80.0, 20.0, 32, 4
TRUTH = {"ttft_ms": FIRST_MS, "tpot_ms": INTERVAL_MS, "e2e_ms": FIRST_MS + (TOKENS - 1) * INTERVAL_MS,
         "output_tokens_per_s": STREAMS * TOKENS / ((FIRST_MS + (TOKENS - 1) * INTERVAL_MS) / 1000.0)}

TOKENIZER = textwrap.dedent("""
    import re, sys
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {"[UNK]": 0, "[EOS]": 1}
    for w in re.findall(r"\\S+", open(sys.argv[1], encoding="utf-8").read()):
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="##")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", eos_token="[EOS]")
    fast.save_pretrained(sys.argv[2])
""")


def build_tokenizer(guidellm: Path, work: Path) -> Path:
    corpus, out = work / "corpus.txt", work / "tokenizer"
    corpus.write_text(load_corpus(), encoding="utf-8")
    subprocess.run([str(guidellm.parent / "python"), "-c", TOKENIZER, str(corpus), str(out)], check=True)
    return out


def guidellm_cmd(guidellm: Path, url: str, tokenizer: Path, seconds: float, out: Path) -> list[str]:
    return [str(guidellm), "run", "--backend", f"kind=openai_http,target={url},model=iris",
            "--profile", f"kind=concurrent,streams={STREAMS}",
            "--constraint", f"kind=max_duration,seconds={seconds:g}",
            "--tokenizer", f"kind=hf_auto,model={tokenizer}",
            "--data", f"kind=synthetic_text,prompt_tokens=16,output_tokens={TOKENS}",
            "--output", f"kind=json,path={out}", "--disable-progress", "--disable-console"]


def guidellm_figures(path: Path) -> dict[str, float]:
    m = json.loads(path.read_text(encoding="utf-8"))["benchmarks"][0]["metrics"]

    def median(name: str) -> float:
        return float(m[name]["successful"]["median"])

    return {"ttft_ms": median("time_to_first_token_ms"), "tpot_ms": median("inter_token_latency_ms"),
            "e2e_ms": median("request_latency") * 1000.0,
            "output_tokens_per_s": float(m["output_tokens_per_second"]["successful"]["mean"])}


def our_figures(url: str, out: Path, seconds: float) -> dict[str, float]:
    # the runner always loads two targets (users per target each): both point at the one server,
    # 2 + 2 users = guidellm's 4 streams; figures of the baseline side, throughput of both
    config = RunConfig(targets={"baseline": url, "candidate": url},
                       user_ref=BUILTIN_USERS["openai-completions"], samples_dir=str(out / "raw"),
                       payloads=[{"prompt": "the flower"}, {"prompt": "a petal"}], model_name="iris",
                       max_tokens=TOKENS, users_per_target=STREAMS // 2, spawn_rate=100.0,
                       warmup=2.0, duration=seconds - 2.0)
    targets = runner.execute(config, out)["targets"]
    t = targets["baseline"]
    return {"ttft_ms": t["ttft_ms"]["p50"], "tpot_ms": float(t["tpot_ms"]),
            "e2e_ms": t["latency_ms"]["p50"],
            "output_tokens_per_s": sum(float(x["output_tokens_per_second"]) for x in targets.values())}


def one_round(guidellm: Path, tokenizer: Path, seconds: float, work: Path) -> tuple[dict[str, float], ...]:
    knobs = Knobs(port=0, first_token_ms=FIRST_MS, token_interval_ms=INTERVAL_MS)
    server = start_model_server_process(knobs)
    try:
        peer_out = work / "guidellm.json"
        peer = subprocess.Popen(guidellm_cmd(guidellm, server.url, tokenizer, seconds, peer_out),
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                                     "PATH": "/usr/bin:/bin"})
        ours = our_figures(server.url, work / "ours", seconds)
        peer.wait(timeout=seconds + 120)
        return ours, guidellm_figures(peer_out)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guidellm", type=Path, required=True,
                        help="the guidellm executable of its own venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tokenizer = build_tokenizer(args.guidellm, work)
        rounds = [one_round(args.guidellm, tokenizer, args.seconds, work / f"round-{i}")
                  for i in range(args.rounds)]
    print(f"{'metric':<22}{'truth':>10}{'ours':>10}{'guidellm':>10}{'ours vs guidellm':>18}")
    for key, truth in TRUTH.items():
        ours = statistics.median(r[0][key] for r in rounds)
        peer = statistics.median(r[1][key] for r in rounds)
        print(f"{key:<22}{truth:>10.1f}{ours:>10.1f}{peer:>10.1f}{(ours / peer - 1) * 100:>+17.1f}%")
    print(f"(median of {args.rounds} rounds of {args.seconds:g} s, both tools in the same window; "
          "guidellm 'ITL' = our TPOT)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
