"""The window scorecard (窗口效能): one monthly score per window or department, from the statistics read side.

Four parts, each scored 0-100 (docs/STATISTICS-SCORECARD.md, settings ``SCORECARD_*`` in config.py):

- timeliness   = 100 x on-time rate against the promised limit (按时办结率);
- satisfaction = 100 x satisfaction rate (满意率);
- complaints   = 100 x (1 - complaints per 1,000 cases / ceiling), at least 0;
- cards        = 100 - the points of the month's warning cards (reminder, yellow, red; revoked ones not
  counted), at least 0.

The score is the weighted mean of the parts that have data (a part whose rate has no denominator, e.g. no
case closed, leaves the mean and its weight with it); a group with no case and no card has no score. Groups
are ranked by score, rounded to two decimals (equal scores share a rank: 1, 2, 2, 4), groups without a score
last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PARTS = ("timeliness", "satisfaction", "complaints", "cards")
CARD_LEVELS = ("reminder", "yellow", "red")


class FiguresLike(Protocol):
    """What the scorecard reads of :class:`service_center.queries.statistics.Figures`."""

    key: int | None
    label: str
    received: int
    closed: int
    complaints: int
    cards_reminder: int
    cards_yellow: int
    cards_red: int

    @property
    def on_time_rate_promised(self) -> float | None: ...
    @property
    def satisfaction_rate(self) -> float | None: ...
    @property
    def complaints_per_thousand(self) -> float | None: ...


@dataclass(frozen=True)
class ScoreRules:
    """The weights of the parts, the points each card level deducts, and the complaints ceiling."""

    weights: Mapping[str, float]
    card_points: Mapping[str, float]
    complaints_ceiling: float

    def __post_init__(self) -> None:
        if set(self.weights) != set(PARTS) or any(w < 0 for w in self.weights.values()):
            raise ValueError(f"scorecard weights need exactly {PARTS}, none negative: {dict(self.weights)}")
        if not any(self.weights.values()):
            raise ValueError("scorecard weights: at least one part must weigh more than 0")
        if set(self.card_points) != set(CARD_LEVELS) or any(p < 0 for p in self.card_points.values()):
            raise ValueError(f"scorecard card points need exactly {CARD_LEVELS}, none negative")
        if self.complaints_ceiling <= 0:
            raise ValueError("the scorecard's complaints ceiling must be more than 0")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ScoreRules:
        return cls(weights=dict(config["SCORECARD_WEIGHTS"]), card_points=dict(config["SCORECARD_CARD_POINTS"]),
                   complaints_ceiling=float(config["SCORECARD_COMPLAINTS_CEILING"]))

    @property
    def weight_shares(self) -> dict[str, float]:
        """Each part's weight as a share of all weights (for the page's legend)."""
        total = sum(self.weights.values())
        return {part: self.weights[part] / total for part in PARTS}


@dataclass(frozen=True)
class Score:
    """A group's score beside its parts and the figures they come from; ``rank`` counts from 1."""

    figures: FiguresLike
    parts: Mapping[str, float | None]
    total: float | None
    rank: int | None = None

    def __getattr__(self, name: str) -> Any:
        """``score_<part>`` is that part; any other name is read from the figures (for the tables' columns)."""
        if name.startswith("__") or name in ("figures", "parts"):
            raise AttributeError(name)
        if name.startswith("score_") and name.removeprefix("score_") in PARTS:
            return self.parts[name.removeprefix("score_")]
        return getattr(self.figures, name)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else 100.0 * rate


def part_scores(figures: FiguresLike, rules: ScoreRules) -> dict[str, float | None]:
    """The four parts of one group's score, 0-100 each, None where there is nothing to score."""
    cards = figures.cards_reminder + figures.cards_yellow + figures.cards_red
    if not (figures.received or figures.closed or cards or figures.complaints):
        return dict.fromkeys(PARTS)
    per_thousand = figures.complaints_per_thousand
    deducted = sum(rules.card_points[level] * getattr(figures, f"cards_{level}") for level in CARD_LEVELS)
    return {
        "timeliness": _percent(figures.on_time_rate_promised),
        "satisfaction": _percent(figures.satisfaction_rate),
        "complaints": (None if per_thousand is None
                       else 100.0 * max(0.0, 1.0 - per_thousand / rules.complaints_ceiling)),
        "cards": max(0.0, 100.0 - deducted),
    }


def total_score(parts: Mapping[str, float | None], rules: ScoreRules) -> float | None:
    """The weighted mean of the parts with data (and weight); None when none has."""
    weighed = [(rules.weights[p], value) for p, value in parts.items() if value is not None and rules.weights[p]]
    weight = sum(w for w, _ in weighed)
    return sum(w * value for w, value in weighed) / weight if weight else None


def ranked(groups: Iterable[FiguresLike], rules: ScoreRules) -> list[Score]:
    """Every group scored, best first; equal scores (to 0.01) share a rank, groups without a score come last
    with no rank, each tier in label order."""
    scores = []
    for figures in groups:
        parts = part_scores(figures, rules)
        scores.append(Score(figures, parts, total_score(parts, rules)))
    scores.sort(key=lambda s: (s.total is None, -round(s.total or 0.0, 2), s.figures.label))
    result: list[Score] = []
    for position, score in enumerate(scores, start=1):
        if score.total is None:
            result.append(score)
            continue
        previous = result[-1] if result else None
        tied = previous is not None and round(previous.total or 0.0, 2) == round(score.total, 2)
        result.append(Score(score.figures, score.parts, score.total, previous.rank if tied else position))
    return result


def monthly_scorecard(year: int, month: int, breakdown: Any, viewer: Any, rules: ScoreRules) -> list[Score]:
    """The month's ranked scorecard of windows or departments, within what ``viewer`` may see."""
    from .statistics import Period, figures

    return ranked(figures(Period.month(year, month), breakdown, viewer), rules)
