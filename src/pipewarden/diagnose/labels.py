"""Categories that are known labels in disguise: padded, re-cased or renamed.

- Padding and case: unseen values that equal a known category once trimmed and
  case-folded are one cause, told once ("every value is a known label right-padded
  with spaces to 40 characters"), not hundreds of new categories.
- Variants: inside one batch, labels that differ only by case or whitespace
  ("Approved" / "approved ") are a hygiene problem of the batch itself.
- Renames: an unseen label that pairs with a vanished one (similar text, similar
  share) is likely the same category under a new name ("'Credit Card' 12% ->
  'Card - Credit' 11%").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from pipewarden import _text

__all__ = [
    "Disguise",
    "Rename",
    "disguise",
    "find_renames",
    "fold",
    "variant_groups",
]

_SPACE = " \t\n\r\x0b\x0c\xa0"
MIN_SIMILARITY = 0.3
"""Text similarity a rename needs when shares also match."""
MIN_SHARE_RATIO = 0.5
"""The smaller share of a rename pair is at least this share of the larger."""
MIN_SCORE = 0.6
UNKNOWN_SHARE_SIMILARITY = 0.6
"""Without reference shares, a rename needs this much text similarity."""


def fold(text: str) -> str:
    """The key under which whitespace- and case-variants of a label meet."""
    return text.strip(_SPACE).casefold()


@dataclass(frozen=True, slots=True)
class Disguise:
    """Unseen values that are known categories once trimmed or case-folded."""

    kinds: tuple[str, ...]
    """``padding`` and/or ``case``."""
    rows: int
    every: bool
    """True when every value of the batch is a disguised known label."""
    side: str | None
    """``right``, ``left`` or ``both`` for padding."""
    width: int | None
    """The length every padded value has, when they all have one."""
    pairs: tuple[tuple[str, str], ...]
    """(value, the category it stands for), a few."""

    @property
    def cause(self) -> str:
        return "padding" if "padding" in self.kinds else "case"

    def sentence(self, share: float) -> str:
        subject = (
            "every current value is a known label"
            if self.every
            else f"{self.rows:,} value(s) ({_text.share(share)}) are known labels"
        )
        how = []
        if "padding" in self.kinds:
            pad = {"right": "right-padded", "left": "left-padded", "both": "padded"}[
                self.side or "both"
            ]
            how.append(
                f"{pad} with spaces"
                + (f" to {self.width} characters" if self.width is not None else "")
            )
        if "case" in self.kinds:
            how.append("in another case")
        v, a = self.pairs[0]
        return f"{subject} {' and '.join(how)} (e.g. {_short(v)!r} for {_short(a)!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "kinds": list(self.kinds),
            "rows": self.rows,
            "every": self.every,
            "side": self.side,
            "width": self.width,
            "examples": [{"value": v, "category": a} for v, a in self.pairs],
        }


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def disguise(
    unseen: list[tuple[str, int]], allowed: Iterable[str], *, non_null: int
) -> Disguise | None:
    """The disguise every unseen value wears, when each is a known category trimmed
    or case-folded; None when some unseen value is not."""
    folded = {fold(a): a for a in allowed}
    if not unseen or any(fold(v) not in folded for v, _ in unseen):
        return None
    kinds: set[str] = set()
    sides: set[str] = set()
    for v, _ in unseen:
        stripped = v.strip(_SPACE)
        if stripped != v:
            kinds.add("padding")
            left, right = v != v.lstrip(_SPACE), v != v.rstrip(_SPACE)
            sides.add("both" if left and right else "left" if left else "right")
        if stripped != folded[fold(v)]:
            kinds.add("case")
    rows = sum(n for _, n in unseen)
    widths = {len(v) for v, _ in unseen}
    return Disguise(
        kinds=tuple(sorted(kinds, key=lambda k: k != "padding")),
        rows=rows,
        every=rows >= non_null,
        side=next(iter(sides)) if len(sides) == 1 else ("both" if sides else None),
        width=next(iter(widths)) if "padding" in kinds and len(widths) == 1 else None,
        pairs=tuple((v, folded[fold(v)]) for v, _ in unseen[:3]),
    )


def variant_groups(counts: Iterable[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Groups of two or more values that differ only by case or whitespace, each
    most frequent first; the groups by rows, largest first."""
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for v, n in counts:
        groups[fold(v)].append((v, n))
    found = [
        sorted(g, key=lambda vn: (-vn[1], vn[0])) for g in groups.values() if len(g) > 1
    ]
    return sorted(found, key=lambda g: -sum(n for _, n in g))


@dataclass(frozen=True, slots=True)
class Rename:
    """A vanished category and the unseen label that likely replaced it."""

    old: str
    new: str
    old_share: float | None
    new_share: float
    similarity: float

    def phrase(self) -> str:
        old = repr(_short(self.old))
        if self.old_share is not None:
            old += f" {_text.share(self.old_share)}"
        return f"{old} → {_short(self.new)!r} {_text.share(self.new_share)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "old_share": self.old_share,
            "new_share": self.new_share,
            "similarity": round(self.similarity, 4),
        }


_TOKEN = re.compile(r"[0-9a-z]+")


def similarity(a: str, b: str) -> float:
    """How alike two labels read, in [0, 1]: the best of the character ratio, the
    ratio of their sorted words, and the overlap of their words."""
    x, y = fold(a), fold(b)
    tx, ty = _TOKEN.findall(x), _TOKEN.findall(y)
    chars = SequenceMatcher(None, x, y).ratio()
    words = SequenceMatcher(None, " ".join(sorted(tx)), " ".join(sorted(ty))).ratio()
    sx, sy = set(tx), set(ty)
    overlap = len(sx & sy) / len(sx | sy) if sx | sy else 0.0
    return max(chars, words, overlap)


def find_renames(
    unseen: Mapping[str, float],
    vanished: Mapping[str, float | None],
) -> list[Rename]:
    """Pairs of (vanished, unseen) labels that are likely one category renamed.

    Args:
        unseen: Unseen label -> its share of the batch's values.
        vanished: Category absent from the batch -> its share in the reference
            (None when only the contract names it).

    Returns:
        The pairs, best first; each label in at most one pair.
    """
    scored: list[tuple[float, Rename]] = []
    single = len(unseen) == 1 and len(vanished) == 1
    for new, new_share in unseen.items():
        for old, old_share in vanished.items():
            sim = similarity(old, new)
            if old_share is None:
                if sim >= UNKNOWN_SHARE_SIMILARITY:
                    scored.append((sim, Rename(old, new, None, new_share, sim)))
                continue
            ratio = min(old_share, new_share) / max(old_share, new_share, 1e-12)
            score = 0.5 * sim + 0.5 * ratio
            close = ratio >= MIN_SHARE_RATIO and sim >= MIN_SIMILARITY
            if (close and score >= MIN_SCORE) or (single and ratio >= 0.7):
                scored.append((score, Rename(old, new, old_share, new_share, sim)))
    taken: set[str] = set()
    pairs: list[Rename] = []
    for _, pair in sorted(scored, key=lambda sp: (-sp[0], sp[1].old, sp[1].new)):
        if pair.old in taken or pair.new in taken:
            continue
        taken |= {pair.old, pair.new}
        pairs.append(pair)
    return pairs
