"""Flow charts (流程图) and reference tables generated from the workflow definitions.

``python -m workflows.diagrams`` prints the generated reference part of docs/WORKFLOWS.md (a test checks the
document is in sync).
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.definitions.base import WorkflowDefinition

__all__ = ["GENERATED_BEGIN", "GENERATED_END", "mermaid", "reference_markdown", "transition_table"]

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

    Defaults to the built-in definitions (:data:`workflows.definitions.BUILTIN_DEFINITIONS`), in their order.
    """
    if definitions is None:
        from workflows.definitions import BUILTIN_DEFINITIONS

        definitions = BUILTIN_DEFINITIONS
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
