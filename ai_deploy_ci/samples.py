"""Raw per-request samples: the one table that flows from the load generator to the judge.

Locust's own statistics round response times (about two significant digits), so the plugin
inside the Locust process records every request and the judge computes quantiles itself.
This module holds only the in-memory shape (numpy columns); the file format
(`samples.frames`: `read_samples`, `write_samples`) is `ai_deploy_ci.load.samples_io`.
It imports neither Locust nor anything that talks to a server.

Outputs are compared as integer codes: `read_samples` gives every distinct output text of a
run one code from an `OutputBook` shared by all targets of that run, so the judge compares
baseline and candidate answers with numpy instead of hashing millions of strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TARGETS = ("baseline", "candidate")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class OutputBook:
    """Output text ↔ integer code for one run; '' (nothing captured) is always -1.

    Other texts get 0, 1, 2, … in order of first appearance. Codes of tables encoded with the
    same book are comparable (equal code ⇔ equal text); codes of different books are not.
    """

    __slots__ = ("codes", "texts")

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": -1}
        self.texts: list[str] = []

    def __len__(self) -> int:
        """How many distinct non-empty texts (codes 0 … len - 1)."""
        return len(self.texts)

    def encode(self, outputs: Sequence[str]) -> IntArray:
        """Code per text, adding new texts; the per-text work (dict.fromkeys, map) runs at C speed."""
        codes, texts = self.codes, self.texts
        for text in dict.fromkeys(outputs):
            if text not in codes:
                codes[text] = len(texts)
                texts.append(text)
        return np.fromiter(map(codes.__getitem__, outputs), np.int64, len(outputs))

    def text(self, code: int) -> str:
        return self.texts[code] if code >= 0 else ""


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
    output_code: code of `output` in `book` (-1 for ''), or None when not encoded (tables built
                 by hand); `read_samples` sets both, with one book for all targets of a file
    book:        the run's shared `OutputBook`
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
    output_code: IntArray | None = None
    book: OutputBook | None = None

    def __len__(self) -> int:
        return int(self.t.shape[0])


def encode_outputs(tables: Iterable[Samples], book: OutputBook | None = None) -> OutputBook:
    """Give every table `output_code` from one shared book (a new one unless given); returns it."""
    book = book if book is not None else OutputBook()
    for s in tables:
        s.output_code = book.encode(s.output)
        s.book = book
    return book
