"""The records that flow through a batch: one job in, one result out per clip.

Both are plain, picklable dataclasses with JSON round trips, so they cross process
and Dask boundaries and are stored beside each clip's outputs (``batch.json``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

#: Summary metrics shown per clip in summary.csv/html and tracked in the history, in
#: display order. Names are keys of :data:`formcheck.metrics.registry.METRICS`.
KEY_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "trunk_lean_deg",
    "hip_bend_deg",
    "head_pitch_deg",
    "overstride_ll",
    "foot_angle_ic_deg",
    "knee_flexion_ic_deg",
    "vertical_oscillation_ll",
    "contact_time_s",
    "pelvic_drop_deg",
    "step_width_hw",
)

Status = Literal["ok", "failed"]


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse, as the batch inputs describe it.

    Attributes:
        path: the video file, absolute.
        athlete: who runs in it ("" if unknown: the batch files it under "unknown").
        date: session date, ISO ``YYYY-MM-DD`` ("" if unknown: the file's
            modification date is used for the history).
        view: "auto", "side", "rear" or "front" (a manifest may force the view).
        notes: free text from the manifest.
        slowmo: how many times slower than real life the clip plays (manifest
            column ``slowmo``; None: not known, slow motion is detected).
        out_rel: output folder relative to the batch folder, ``<athlete>/<clip>``,
            sanitised and unique within the batch.
    """

    path: str
    athlete: str = ""
    date: str = ""
    view: str = "auto"
    notes: str = ""
    out_rel: str = ""
    slowmo: float | None = None


@dataclass(frozen=True)
class ClipResult:
    """What analysing one clip gave, good or bad.

    Attributes:
        job: the clip.
        key: content hash of the file + hash of the settings; a clip whose
            ``batch.json`` has the same key is done and skipped on a rerun.
        content_sha256: SHA-256 of the video file's bytes.
        status: "ok" (outputs written) or "failed" (``error`` says why).
        error: one line for the user; ``None`` when ok.
        error_kind: "input" (the clip itself: corrupt, no person, not running...) or
            "crash" (anything else: retried on a rerun); ``None`` when ok.
        activity: "running", "walking", "standing" or "none" (who was seen).
        view: the view analysed ("side", "rear", "front"), as detected or forced.
        duration_s: length of the analysed video.
        metrics: summary value of each of :data:`KEY_METRICS` that was measured.
        findings: flagged findings, ranked (most important first), each
            ``{"id", "title", "severity", "score"}``.
        seconds: wall time spent on this clip (analysis + outputs).
        has_outputs: the clip's folder holds the full outputs (report.html ...):
            always for "ok", and for a clip analysed but not judged (walking).
    """

    job: ClipJob
    key: str
    content_sha256: str
    status: Status
    error: str | None = None
    error_kind: Literal["input", "crash"] | None = None
    activity: str = ""
    view: str = ""
    duration_s: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    has_outputs: bool = False

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ClipResult:
        data = dict(data)
        data["job"] = ClipJob(**data["job"])
        return cls(**data)
