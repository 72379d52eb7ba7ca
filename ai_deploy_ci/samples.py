"""Raw per-request samples: the one table that flows from the load generator to the judge.

Locust's own statistics round response times (about two significant digits), so the plugin
inside the Locust process records every request and the judge computes quantiles itself.
This module holds only the in-memory shape (numpy columns); the file format
(`samples.jsonl.gz`: `read_samples`, `write_samples`) is `ai_deploy_ci.load.samples_io`.
It imports neither Locust nor anything that talks to a server.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TARGETS = ("baseline", "candidate")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Samples:
    """All requests sent to one target, in start-time order.

    t:           start time, seconds since the run started (same clock for both targets)
    latency_ms:  wall time of the whole request as measured, not bucketed
    ok:          success as the user class decided (HTTP status and body checks)
    status:      HTTP status, 0 for a connection error or timeout
    nbytes:      response size
    error:       error kind per request ('' when ok), e.g. 'http-503', 'timeout', 'connection'
    ttft_ms:     time to first token (NaN for non-streaming requests)
    tokens:      output tokens (0 for non-streaming requests)
    itl_ms / itl_offsets: inter-token gaps after the first token, flattened; request i owns
                 itl_ms[itl_offsets[i]:itl_offsets[i+1]] (itl_offsets has len(t) + 1 entries)
    payload:     index of the payload sent (same sequence for both targets), -1 if unknown
    output:      the compared part of the response, canonical JSON text ('' when not captured)
    """

    t: FloatArray
    latency_ms: FloatArray
    ok: BoolArray
    status: IntArray
    nbytes: IntArray
    error: list[str]
    ttft_ms: FloatArray
    tokens: IntArray
    itl_ms: FloatArray
    itl_offsets: IntArray
    payload: IntArray
    output: list[str]

    def __len__(self) -> int:
        return int(self.t.shape[0])
