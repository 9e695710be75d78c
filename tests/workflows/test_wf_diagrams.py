"""Flow charts and the generated reference in docs/WORKFLOWS.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.definitions import BUILTIN_DEFINITIONS, WorkflowDefinition
from workflows.diagrams import GENERATED_BEGIN, GENERATED_END, mermaid, reference_markdown, transition_table
from workflows.registry import get_definition

DOCS = Path(__file__).resolve().parents[2] / "docs" / "WORKFLOWS.md"


@pytest.mark.parametrize("definition", BUILTIN_DEFINITIONS, ids=lambda d: d.key)
def test_mermaid_declares_every_state_and_transition(definition: WorkflowDefinition) -> None:
    text = mermaid(definition)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert f"    [*] --> {definition.initial}" in lines
    for state in definition.states:
        assert f'    state "{definition.label(state)}" as {state}' in lines
    for state in definition.final_states:
        assert f"    {state} --> [*]" in lines
    for spec in definition.transitions:
        for source in spec.sources:
            arrow = f"    {source} --> {spec.dest or source} : "
            matching = [line for line in lines if line.startswith(arrow)]
            assert len(matching) == 1, (spec.trigger, source)
            assert definition.label(spec.trigger) in matching[0]


def test_mermaid_committed_snippet() -> None:
    text = mermaid(get_definition("committed", 1))
    assert '    state "容缺受理" as accepted_with_gaps' in text
    assert "    under_review --> granted : 准予许可\n" in text
    assert "    denied --> closed : 办结\n" in text
    assert "    delivered --> closed : 办结\n" in text
    # Internal transitions as one merged self-loop, or left out.
    assert "    under_review --> under_review : 容缺材料补齐 / 启动特别程序 / 结束特别程序" in text
    assert "under_review --> under_review" not in mermaid(get_definition("committed", 1), internal=False)


def test_transition_table_rows() -> None:
    table = transition_table(get_definition("instant"))
    assert table.splitlines()[0].startswith("| trigger | label | from | to | roles |")
    assert "| `complete` | 当场办结 | `accepted` | `closed` | clerk |  | stop |  |" in table


def test_docs_are_in_sync_with_the_definitions() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(GENERATED_BEGIN)
    end = text.index(GENERATED_END) + len(GENERATED_END) + 1
    assert text[start:end] == reference_markdown(), (
        "docs/WORKFLOWS.md is stale: regenerate the reference part with `python -m workflows.diagrams`"
    )
