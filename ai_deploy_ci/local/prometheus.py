"""A real `prometheus` binary (Debian package) scraping the local environment on 127.0.0.1.

`start_prometheus(targets, workdir)` → `PrometheusProcess` (`.url`, `.wait_for(query)`,
`.stop()`): a generated config scraping `targets` ("127.0.0.1:PORT") every second, a temp TSDB
directory, a free port; returns once `/-/ready` answers. Waits are bounded: start ≤ 20 s,
data ≤ 20 s by default. Used by `local-cluster --prometheus` and the metric-source tests.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

SCRAPE_INTERVAL = "1s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrometheusProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def wait_for(self, query: str, timeout: float = 20.0) -> list[dict[str, object]]:
        """Poll an instant query until it returns a non-empty, non-NaN result (bounded)."""
        deadline = time.monotonic() + timeout
        last: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            body = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5).json()
            last = body.get("data", {}).get("result", [])
            if last and all(r.get("value", [0, "NaN"])[1] not in ("NaN", "+Inf", "-Inf") for r in last):  # type: ignore[index]
                return last
            time.sleep(0.5)
        raise TimeoutError(f"no data for {query!r} within {timeout:g} s (last: {last}); log: {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_prometheus(targets: list[str], workdir: Path, *, timeout: float = 20.0) -> PrometheusProcess:
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError(
            "the `prometheus` binary is missing: apt-get install prometheus (scripts/system-deps)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    quoted = ", ".join(f"'{t}'" for t in targets)
    config.write_text(
        f"global:\n  scrape_interval: {SCRAPE_INTERVAL}\n  evaluation_interval: {SCRAPE_INTERVAL}\n"
        f"scrape_configs:\n  - job_name: models\n    static_configs:\n      - targets: [{quoted}]\n"
    )
    port = free_port()
    log = workdir / "prometheus.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--web.enable-lifecycle",
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    handle = PrometheusProcess(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prometheus exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{handle.url}/-/ready", timeout=1).status_code == 200:
                return handle
        except requests.RequestException:
            pass
        time.sleep(0.2)
    handle.stop()
    raise TimeoutError(f"prometheus not ready within {timeout:g} s: {log.read_text()[-2000:]}")
