"""Records of the rules stage: what a rule found and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["mild", "moderate", "marked"]
Status = Literal["flagged", "ok", "not_judged"]


@dataclass(frozen=True)
class Evidence:
    """The numbers behind a finding.

    Attributes:
        metric: the metric the rule read (a name from ``formcheck.metrics.registry``).
        value: the clip's value of that metric (median over steps or frames).
        threshold: the threshold it was compared with (the mildest level crossed, or
            the first level for an ok/not-judged rule).
        unit: unit of ``value`` and ``threshold``.
        comparison: ``">"`` if values above the threshold are flagged, ``"<"`` if below.
        steps_affected: steps (or frames, for per-frame metrics) past the threshold.
        steps_total: steps (or frames) measured.
        time_ranges: ``[(start_s, end_s), ...]`` where it shows, for jumping there.
        frames: representative frame indices (track indices), e.g. the worst steps' IC.
        confidence: 0..1, from the metric's confidence and how consistently it shows.
    """

    metric: str
    value: float | None
    threshold: float | None
    unit: str
    comparison: str
    steps_affected: int = 0
    steps_total: int = 0
    time_ranges: tuple[tuple[float, float], ...] = ()
    frames: tuple[int, ...] = ()
    confidence: float = 0.0

    @property
    def fraction(self) -> float:
        return self.steps_affected / self.steps_total if self.steps_total else 0.0


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on a clip.

    Attributes:
        id: the rule id (e.g. ``"overstriding"``).
        status: ``"flagged"``, ``"ok"`` (checked and fine) or ``"not_judged"`` (this
            view or clip cannot tell; ``message`` says why).
        severity: for flagged findings: mild, moderate or marked.
        title: short headline ("Overstriding").
        message: what we saw, with the number.
        why: why it matters.
        cue: one coaching cue.
        drills: one or two drills.
        evidence: the numbers.
        score: ranking score (higher first).
    """

    id: str
    status: Status
    title: str
    message: str
    severity: Severity | None = None
    why: str = ""
    cue: str = ""
    drills: tuple[str, ...] = ()
    evidence: Evidence | None = None
    score: float = 0.0
    tags: tuple[str, ...] = field(default_factory=tuple)
