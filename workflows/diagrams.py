"""Flow charts (流程图) and reference tables generated from the workflow definitions.

``python -m workflows.diagrams`` prints the generated reference part of docs/WORKFLOWS.md (a test checks the
document is in sync).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from workflows.definitions.base import WorkflowDefinition

__all__ = [
    "EXCEPTION_TRIGGERS",
    "GENERATED_BEGIN",
    "GENERATED_END",
    "FlowStep",
    "main_path",
    "mermaid",
    "reference_markdown",
    "side_exits",
    "transition_table",
]

GENERATED_BEGIN = "<!-- BEGIN GENERATED: python -m workflows.diagrams -->"
GENERATED_END = "<!-- END GENERATED -->"


def _text(label: str) -> str:
    # Mermaid label text: no quotes, no colons (a colon separates the label in transition lines).
    return label.replace('"', "'").replace(":", "：")


def mermaid(definition: WorkflowDefinition, *, internal: bool = True) -> str:
    """Mermaid ``stateDiagram-v2`` text for a definition, with the Chinese labels.

    Transitions sharing source and destination are merged into one arrow (labels joined with " / ").
    Internal transitions (no state change) are drawn as self-loops unless ``internal=False``.
    """
    lines = ["stateDiagram-v2", f"    %% {definition.key} v{definition.version} {definition.title}"]
    for state in definition.states:
        lines.append(f'    state "{_text(definition.label(state))}" as {state}')
    lines.append(f"    [*] --> {definition.initial}")
    edges: dict[tuple[str, str], list[str]] = {}
    for spec in definition.transitions:
        if spec.internal and not internal:
            continue
        for source in spec.sources:
            dest = spec.dest or source
            labels = edges.setdefault((source, dest), [])
            label = _text(definition.label(spec.trigger))
            if label not in labels:
                labels.append(label)
    for (source, dest), labels in edges.items():
        lines.append(f"    {source} --> {dest} : {' / '.join(labels)}")
    for state in definition.states:
        if state in definition.final_states:
            lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


# Triggers that leave the usual course of a case (refusals, returns, withdrawals ...): the public flow chart shows
# them beside the main path instead of on it.
EXCEPTION_TRIGGERS = frozenset({
    "refuse", "deny", "withdraw", "terminate", "request_supplement", "record_supplement", "accept_with_gaps",
    "record_gap_materials", "abandon", "reject", "return_to_lower", "send_back",
})


@dataclass(frozen=True)
class FlowStep:
    """One box of the public flow chart: a state, reached by ``trigger`` (None for the first)."""

    state: str
    trigger: str | None


def main_path(definition: WorkflowDefinition) -> tuple[FlowStep, ...]:
    """The usual course of a case, from the initial state to a final state (breadth-first, in definition order).

    Only state-changing transitions outside :data:`EXCEPTION_TRIGGERS` are followed, so a licensing case reads
    收件 → 受理 → 审查 → 准予许可 → 送达 → 办结.
    """
    previous: dict[str, tuple[str, str] | None] = {definition.initial: None}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        if state in definition.final_states:
            steps = []
            cursor: str | None = state
            while cursor is not None:
                came = previous[cursor]
                steps.append(FlowStep(cursor, came[1] if came else None))
                cursor = came[0] if came else None
            return tuple(reversed(steps))
        for spec in definition.transitions_from(state):
            if spec.internal or spec.trigger in EXCEPTION_TRIGGERS or spec.dest in previous:
                continue
            previous[spec.dest] = (state, spec.trigger)
            queue.append(spec.dest)
    return (FlowStep(definition.initial, None),)


def side_exits(definition: WorkflowDefinition) -> tuple[str, ...]:
    """The other outcomes a case of this kind may take (refusal, supplement, withdrawal ...), in definition order."""
    follow_ups = {"record_supplement", "record_gap_materials"}
    return tuple(t for t in definition.triggers if t in EXCEPTION_TRIGGERS - follow_ups)


def transition_table(definition: WorkflowDefinition) -> str:
    """Markdown table of a definition's transitions: trigger, from, to, roles, guards, clock, requires."""
    rows = [
        "| trigger | label | from | to | roles | guards | clock | requires |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec in definition.transitions:
        rows.append(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |".format(
                spec.trigger,
                definition.label(spec.trigger),
                ", ".join(f"`{s}`" for s in spec.sources),
                f"`{spec.dest}`" if spec.dest else "(internal)",
                ", ".join(sorted(spec.roles)),
                ", ".join(f"`{g}`" for g in spec.guards) or "",
                spec.clock or "",
                ", ".join(f"`{r}`" for r in spec.requires) or "",
            )
        )
    return "\n".join(rows) + "\n"


def reference_markdown(definitions: Sequence[WorkflowDefinition] | None = None) -> str:
    """The generated per-definition reference (states, transitions, diagram) for docs/WORKFLOWS.md.

    Defaults to the current version of each built-in definition
    (:data:`workflows.definitions.BUILTIN_DEFINITIONS`), in their order.
    """
    if definitions is None:
        from workflows.definitions import BUILTIN_DEFINITIONS

        latest = {d.key: max(o.version for o in BUILTIN_DEFINITIONS if o.key == d.key) for d in BUILTIN_DEFINITIONS}
        definitions = [d for d in BUILTIN_DEFINITIONS if d.version == latest[d.key]]
    parts = [GENERATED_BEGIN, ""]
    for d in definitions:
        states = ", ".join(
            f"`{s}` {d.label(s)}"
            + (" (initial)" if s == d.initial else "")
            + (" (final)" if s in d.final_states else "")
            for s in d.states
        )
        parts += [
            f"### `{d.key}` v{d.version} — {d.title}",
            "",
            d.description,
            "",
            f"States: {states}.",
            "",
            (
                f"Extension policy: at most {d.extension_policy.max_count} extension(s), "
                f"{d.extension_policy.max_days} working days in total."
                if d.extension_policy.max_count
                else "Extension policy: no extensions."
            ),
            "",
            transition_table(d),
            "```mermaid",
            mermaid(d).rstrip("\n"),
            "```",
            "",
        ]
    parts.append(GENERATED_END)
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(reference_markdown(), end="")
