"""The window scorecard's formula (service_center/queries/scorecard.py), table-driven on hand-made figures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from config import Config, _env_weights
from service_center.queries.scorecard import PARTS, ScoreRules, part_scores, ranked, total_score

RULES = ScoreRules(weights={"timeliness": 40, "satisfaction": 30, "complaints": 15, "cards": 15},
                   card_points={"reminder": 1, "yellow": 5, "red": 20}, complaints_ceiling=10)


@dataclass
class F:
    """The part of Figures the scorecard reads, with the rates given directly."""

    label: str = "窗口"
    received: int = 100
    closed: int = 100
    complaints: int = 0
    cards_reminder: int = 0
    cards_yellow: int = 0
    cards_red: int = 0
    on_time_rate_promised: float | None = 1.0
    satisfaction_rate: float | None = 1.0
    complaints_per_thousand: float | None = 0.0
    key: int | None = 1


@pytest.mark.parametrize(("figures", "parts", "total"), [
    # all perfect
    (F(), {"timeliness": 100, "satisfaction": 100, "complaints": 100, "cards": 100}, 100),
    # 90 % on time, 95 % satisfied, 2 per thousand (of a ceiling of 10), a yellow and a red card (25 points)
    (F(on_time_rate_promised=0.9, satisfaction_rate=0.95, complaints=2, complaints_per_thousand=2.0,
       cards_yellow=1, cards_red=1),
     {"timeliness": 90, "satisfaction": 95, "complaints": 80, "cards": 75},
     (40 * 90 + 30 * 95 + 15 * 80 + 15 * 75) / 100),
    # complaints beyond the ceiling and cards beyond 100 points bottom out at 0
    (F(complaints=30, complaints_per_thousand=30.0, cards_red=6),
     {"timeliness": 100, "satisfaction": 100, "complaints": 0, "cards": 0}, 70),
    # nothing closed and nobody rated: timeliness and satisfaction leave the mean with their weights
    (F(closed=0, on_time_rate_promised=None, satisfaction_rate=None, cards_reminder=3),
     {"timeliness": None, "satisfaction": None, "complaints": 100, "cards": 97}, (15 * 100 + 15 * 97) / 30),
    # no case, no card, no complaint: no score at all
    (F(received=0, closed=0, on_time_rate_promised=None, satisfaction_rate=None, complaints_per_thousand=None),
     dict.fromkeys(PARTS), None),
])
def test_parts_and_total(figures, parts, total):
    got = part_scores(figures, RULES)
    assert got == pytest.approx(parts) if total is not None else got == parts
    assert total_score(got, RULES) == (pytest.approx(total) if total is not None else None)


def test_a_part_weighing_zero_leaves_the_score():
    rules = ScoreRules(weights={"timeliness": 1, "satisfaction": 0, "complaints": 0, "cards": 0},
                       card_points=RULES.card_points, complaints_ceiling=10)
    figures = F(on_time_rate_promised=0.5, satisfaction_rate=0.0)
    assert total_score(part_scores(figures, rules), rules) == pytest.approx(50)
    assert rules.weight_shares == {"timeliness": 1.0, "satisfaction": 0.0, "complaints": 0.0, "cards": 0.0}


def test_ranking_shares_ranks_on_equal_scores_and_puts_unscored_last():
    groups = [
        F(label="C", on_time_rate_promised=0.8),
        F(label="A", on_time_rate_promised=0.9),
        F(label="B", on_time_rate_promised=0.9),
        F(label="Z", received=0, closed=0, on_time_rate_promised=None, satisfaction_rate=None,
          complaints_per_thousand=None),
        F(label="D", on_time_rate_promised=0.5),
    ]
    result = ranked(groups, RULES)
    assert [(s.figures.label, s.rank) for s in result] == [("A", 1), ("B", 1), ("C", 3), ("D", 4), ("Z", None)]
    assert result[0].total == pytest.approx(96)


@pytest.mark.parametrize(("weights", "card_points", "ceiling"), [
    ({"timeliness": 1, "satisfaction": 1, "complaints": 1}, RULES.card_points, 10),  # a part missing
    ({**RULES.weights, "timeliness": -1}, RULES.card_points, 10),  # negative weight
    (dict.fromkeys(PARTS, 0), RULES.card_points, 10),  # nothing weighs
    (RULES.weights, {"yellow": 5, "red": 20}, 10),  # a card level missing
    (RULES.weights, {**RULES.card_points, "red": -1}, 10),  # negative points
    (RULES.weights, RULES.card_points, 0),  # no ceiling
])
def test_bad_rules_are_refused(weights, card_points, ceiling):
    with pytest.raises(ValueError, match="scorecard"):
        ScoreRules(weights=weights, card_points=card_points, complaints_ceiling=ceiling)


def test_the_default_settings_are_valid_rules():
    rules = ScoreRules.from_config(vars(Config))
    assert sum(rules.weight_shares.values()) == pytest.approx(1)


@pytest.mark.parametrize(("value", "expected"), [
    ("", {"a": 1.0, "b": 2.0}),
    ("a=3", {"a": 3.0, "b": 2.0}),
    (" a = 0.5 , b=4 ,", {"a": 0.5, "b": 4.0}),
])
def test_weights_setting_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("SC_TEST_WEIGHTS", value)
    assert _env_weights("SC_TEST_WEIGHTS", {"a": 1, "b": 2}) == expected


@pytest.mark.parametrize("value", ["c=1", "a=x"])
def test_a_bad_weights_setting_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("SC_TEST_WEIGHTS", value)
    with pytest.raises(ValueError, match="SC_TEST_WEIGHTS|could not convert"):
        _env_weights("SC_TEST_WEIGHTS", {"a": 1, "b": 2})


def test_a_score_reads_its_parts_and_figures_by_name():
    score = ranked([F(label="W1", on_time_rate_promised=0.75, cards_red=1)], RULES)[0]
    assert (score.score_timeliness, score.score_cards, score.label, score.cards_red) == (75, 80, "W1", 1)
    with pytest.raises(AttributeError):
        score.score_unknown  # noqa: B018
