"""Word diffs between an output and its correction, for showing them side by side."""

from __future__ import annotations

import difflib
import re
from typing import Literal, NamedTuple

# A word with the spaces after it is one token: the layout is kept, and shared spaces do
# not splice two unrelated sentences into a patchwork of single letters.
_TOKENS = re.compile(r"\s+|\S+\s*")
# Past this many tokens a side, difflib's quadratic worst case costs more than the view
# is worth: the two texts are shown whole, one removed and one added.
MAX_TOKENS = 20_000


class Piece(NamedTuple):
    op: Literal["same", "removed", "added"]
    text: str


def word_diff(original: str, corrected: str) -> list[Piece]:
    """The pieces of both texts in order: `same` in both, `removed` only in the original,
    `added` only in the correction."""
    before, after = _TOKENS.findall(original), _TOKENS.findall(corrected)
    if len(before) > MAX_TOKENS or len(after) > MAX_TOKENS:
        return [Piece("removed", original), Piece("added", corrected)]
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(before[a0:a1])))
            continue
        if a1 > a0:
            pieces.append(Piece("removed", "".join(before[a0:a1])))
        if b1 > b0:
            pieces.append(Piece("added", "".join(after[b0:b1])))
    return pieces
