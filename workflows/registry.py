"""Versioned registry of workflow definitions.

A case stores ``workflow_key`` and ``workflow_version``; :func:`get_definition` returns exactly that
version, so a running case keeps the definition it started on after a newer version is registered. New
cases take the latest version (``get_definition(key)``).
"""

from __future__ import annotations

import threading

from workflows.definitions import BUILTIN_DEFINITIONS
from workflows.definitions.base import WorkflowDefinition
from workflows.errors import UnknownWorkflow

__all__ = [
    "UnknownWorkflow",
    "all_definitions",
    "get_definition",
    "latest_version",
    "workflow_keys",
    "register",
    "unregister",
    "versions",
]


_lock = threading.Lock()
_registry: dict[str, dict[int, WorkflowDefinition]] = {}


def register(definition: WorkflowDefinition) -> WorkflowDefinition:
    """Register a definition version; returns it. Registering the same object twice is a no-op.

    Raises ``ValueError`` if another definition is already registered under the same key and version:
    a released version never changes, bump the version instead.
    """
    with _lock:
        versions_ = _registry.setdefault(definition.key, {})
        existing = versions_.get(definition.version)
        if existing is not None and existing is not definition:
            raise ValueError(
                f"{definition.key} v{definition.version} is already registered; bump the version instead"
            )
        versions_[definition.version] = definition
    return definition


def unregister(key: str, version: int) -> None:
    """Remove a registered version (for tests and tooling; never for a version cases may still use)."""
    with _lock:
        versions_ = _registry.get(key, {})
        versions_.pop(version, None)
        if not versions_:
            _registry.pop(key, None)


def get_definition(key: str, version: int | None = None) -> WorkflowDefinition:
    """The definition ``key`` at ``version``, or its latest version if ``version`` is None.

    Raises :class:`UnknownWorkflow` (a ``LookupError``) if there is none.
    """
    versions_ = _registry.get(key)
    if not versions_:
        raise UnknownWorkflow(f"unknown workflow {key!r}; known: {sorted(_registry)}")
    if version is None:
        return versions_[max(versions_)]
    try:
        return versions_[version]
    except KeyError:
        raise UnknownWorkflow(
            f"workflow {key!r} has no version {version}; registered: {sorted(versions_)}"
        ) from None


def latest_version(key: str) -> int:
    """The highest registered version of ``key``."""
    return get_definition(key).version


def versions(key: str) -> list[int]:
    """Registered versions of ``key``, ascending (empty if unknown)."""
    return sorted(_registry.get(key, {}))


def all_definitions() -> list[WorkflowDefinition]:
    """Every registered definition version, sorted by key then version."""
    with _lock:
        return [d for key in sorted(_registry) for _, d in sorted(_registry[key].items())]


def workflow_keys(*, kind: str | None = None, oversight_only: bool | None = None) -> tuple[str, ...]:
    """Keys of the registered workflows whose latest version has this ``kind`` (``application``,
    ``complaint``, ``rectification``) and visibility, sorted: data for the read side's SQL filters."""
    with _lock:
        latest = [versions_[max(versions_)] for versions_ in _registry.values() if versions_]
    return tuple(sorted(
        d.key for d in latest
        if (kind is None or d.kind == kind) and (oversight_only is None or d.oversight_only == oversight_only)
    ))


for _definition in BUILTIN_DEFINITIONS:
    register(_definition)
