"""formcheck's web page: upload a running video, get the feedback.

    streamlit run streamlit_app.py

The page is a thin shell over the same chain as ``formcheck analyze --out``:
:func:`run_analysis` (no Streamlit in it) turns uploaded bytes into plain data — the
report dict and the bytes of every output file — and the rest of this module draws
that data. Uploads are written to a private temporary folder that is removed as soon
as the analysis is done; nothing is kept on disk or sent anywhere.

One server serves many people, so (:mod:`formcheck.service_limits`) results are kept
for re-display within a total byte budget (``FORMCHECK_CACHE_MB``, default 200), a
clip is analysed over its first 3 minutes at most (``FORMCHECK_MAX_CLIP_SECONDS``),
and analyses run one at a time: a second visitor waits for the first to finish.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import streamlit as st

from formcheck import service_limits

ROOT = Path(__file__).resolve().parent
SAMPLE_VIDEO = ROOT / "sample_videos" / "overstride_heel_strike.mp4"
VIDEO_TYPES = ("mp4", "mov", "m4v", "webm", "avi")
#: Default upload cap (MB); the page uses ``server.maxUploadSize`` from
#: ``.streamlit/config.toml`` when Streamlit runs it.
DEFAULT_MAX_UPLOAD_MB = 300
VIEWS = ("auto", "side", "rear", "front")
VARIANTS = ("lite", "full", "heavy")
#: Files offered for download, with their MIME types.
DOWNLOADS = (
    ("report.html", "text/html"),
    ("report.json", "application/json"),
    ("frames.csv", "text/csv"),
    ("steps.csv", "text/csv"),
    ("annotated.mp4", "video/mp4"),
)
#: Per-frame metrics offered in the chart, first ones selected by default.
CHART_METRICS = (
    "trunk_lean_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "head_pitch_deg",
    "foot_angle_left_deg",
    "foot_angle_right_deg",
    "pelvis_tilt_deg",
    "lateral_trunk_lean_deg",
)
GENERIC_ERROR = (
    "Something went wrong while analysing this video. It has been logged; please try "
    "another clip or the sample."
)
HOW_TO_FILM = """
- **Side view**, camera at **hip height**, square to the running direction.
- **3–4 m away**, the **whole body** in frame (head to feet), filling at least half
  the frame height.
- **Steady phone**: a tripod, a shelf or a friend who keeps still.
- **60 fps or more** if your phone can (slow motion is fine).
- **10–20 seconds** of steady running, one runner in view, good light.
"""

log = logging.getLogger("formcheck.app")

#: ``progress(fraction 0..1, stage name)``.
ProgressFn = Callable[[float, str], None]

# Share of the progress bar each stage takes.
_STAGES = (
    ("Reading video", 0.0, 0.02),
    ("Finding the runner", 0.02, 0.75),
    ("Measuring", 0.75, 0.80),
    ("Drawing the annotated video", 0.80, 1.0),
)


@dataclass(frozen=True)
class Options:
    """What the user chose in the sidebar.

    Attributes:
        view: ``auto``, ``side``, ``rear`` or ``front``.
        height_cm: the runner's height, for values in cm (None: not given).
        variant: pose model variant (``lite``, ``full`` or ``heavy``).
        several_people: look for up to 3 people and pick the runner (slower);
            False looks for one.
        max_upload_mb: larger uploads are refused.
        max_clip_s: only the first ``max_clip_s`` seconds of a longer clip are
            analysed.
    """

    view: str = "auto"
    height_cm: float | None = None
    slowmo: float | None = None
    variant: str = "full"
    several_people: bool = True
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    max_clip_s: float = service_limits.DEFAULT_MAX_CLIP_SECONDS


def _stage(name: str, progress: ProgressFn | None) -> Callable[[int, int], None]:
    """A ``(done, total)`` callback that moves the bar within stage ``name``."""
    lo, hi = next((a, b) for n, a, b in _STAGES if n == name)

    def update(done: int, total: int) -> None:
        if progress is not None:
            share = min(done / total, 1.0) if total else 0.0
            progress(lo + (hi - lo) * share, name)

    update(0, 0)
    return update


def check_upload(data: bytes, name: str, max_mb: int) -> str | None:
    """Why this upload cannot be analysed (a message for the user), or None."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in VIDEO_TYPES:
        return (
            f"“{name}” is not a video file formcheck reads. "
            f"Upload one of: {', '.join(VIDEO_TYPES)}."
        )
    if len(data) > max_mb * 1024 * 1024:
        return (
            f"This video is {len(data) / 2**20:.0f} MB; the limit is {max_mb} MB. "
            "Trim it to 10–20 seconds of running (any phone's editor can) and upload "
            "that."
        )
    if not data:
        return f"“{name}” is empty."
    return None


def format_duration(seconds: float) -> str:
    """``180`` -> ``3 minutes``, ``452`` -> ``7 min 32 s``, ``45`` -> ``45 seconds``."""
    if seconds < 59.5:
        value = round(seconds, 1)
        return f"{value:g} second{'' if value == 1 else 's'}"
    minutes, rest = divmod(round(seconds), 60)
    if rest == 0:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{minutes} min {rest} s"


def clip_too_long(duration_s: float, max_s: float) -> str | None:
    """A notice when only the first ``max_s`` seconds of the clip will be analysed."""
    if duration_s <= max_s:
        return None
    limit = format_duration(max_s)
    return (
        f"This clip is {format_duration(duration_s)} long and the page analyses up to "
        f"{limit}, so only its first {limit} are analysed. For the best feedback, "
        "trim it to 10–20 seconds of steady running (any phone's editor can) and "
        "upload that."
    )


def analysed_span_end(duration_s: float, max_s: float) -> float:
    """Where the analysis stops (s): always ``max_s``. The duration a file states is
    only a claim (a crafted MP4 can say 5 s and hold an hour), so the reader is
    stopped at the limit whatever the header says; a shorter clip simply ends first."""
    return max_s


def probe_upload(data: bytes, name: str):
    """:func:`formcheck.video.probe` of uploaded bytes (a ``VideoInfo``).

    Raises:
        VideoError: not a readable video; the message names ``name``.
    """
    from formcheck.errors import FormcheckError
    from formcheck.video import probe

    with tempfile.TemporaryDirectory(prefix="formcheck-app-") as tmp:
        video = Path(tmp) / f"upload{Path(name).suffix.lower()}"
        video.write_bytes(data)
        try:
            return probe(video)
        except FormcheckError as exc:
            raise type(exc)(str(exc).replace(str(video), name)) from exc


def analyse(
    data: bytes, name: str, options: Options, progress: ProgressFn | None = None
) -> dict:
    """Analyse an uploaded video; raises on any error (see :func:`run_analysis`)."""
    # Imported here so that the page (and its "How to film" guide) shows at once.
    from formcheck.analysis import ViewOverrides, analyze_video
    from formcheck.errors import FormcheckError, VideoError
    from formcheck.outputs.bundle import write_outputs
    from formcheck.rules import evaluate, load_rules, threshold_bands
    from formcheck.video import probe

    problem = check_upload(data, name, options.max_upload_mb)
    if problem:
        raise VideoError(problem)
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="formcheck-app-") as tmp:
        video = Path(tmp) / f"upload{suffix}"
        video.write_bytes(data)
        try:
            _stage("Reading video", progress)
            info = probe(video)
            analysis = analyze_video(
                video,
                overrides=ViewOverrides(
                    kind=None if options.view == "auto" else options.view,
                    slowmo=options.slowmo,
                ),
                runner_height_cm=options.height_cm,
                variant=options.variant,
                num_poses=3 if options.several_people else 1,
                end_s=analysed_span_end(info.duration_s, options.max_clip_s),
                progress=_stage("Finding the runner", progress),
            )
            _stage("Measuring", progress)
            rules = load_rules()
            findings = evaluate(analysis, rules)
            written = write_outputs(
                analysis,
                findings,
                Path(tmp) / "out",
                bands=threshold_bands(rules),
                progress=_stage("Drawing the annotated video", progress),
            )
            files = {rel: path.read_bytes() for rel, path in written.items()}
            _hide_temp_path(files, str(video), name)
        except FormcheckError as exc:
            # The user knows their file by its name, not by our temporary path.
            raise type(exc)(str(exc).replace(str(video), name)) from exc
    if progress is not None:
        progress(1.0, "Done")
    report = json.loads(files["report.json"])
    return {"report": report, "files": files, "error": None, "name": name}


def _hide_temp_path(files: dict[str, bytes], temp_path: str, name: str) -> None:
    """Name the video by its upload name, not our temporary path, in the reports."""
    for rel, escaped in (
        ("report.json", json.dumps(name)[1:-1]),
        ("report.html", html.escape(name)),
    ):
        if rel in files:
            files[rel] = files[rel].replace(temp_path.encode(), escaped.encode())


def run_analysis(
    data: bytes, name: str, options: Options, progress: ProgressFn | None = None
) -> dict:
    """Analyse an uploaded video and return plain, serialisable data.

    Args:
        data: the file's bytes.
        name: its file name (the extension tells the container type).
        options: the sidebar's choices.
        progress: called as ``progress(fraction, stage)``.

    Returns:
        ``{"report": report.json as a dict, "files": {relative path: bytes},
        "error": None, "name": name}`` — or, when the video cannot be analysed,
        ``{"report": None, "files": {}, "error": message for the user, "name": name}``.
        Never raises: unexpected errors are logged and reported generically.

    Example:
        >>> run_analysis(b"hello", "notes.mp4", Options())["error"]  # doctest: +SKIP
        'notes.mp4 is not a video: ...'
    """
    from formcheck.errors import FormcheckError

    try:
        return analyse(data, name, options, progress)
    except FormcheckError as exc:
        return _failed(name, str(exc))
    except Exception:  # noqa: BLE001  (the page must never show a traceback)
        log.exception("analysis of %s failed", name)
        return _failed(name, GENERIC_ERROR)


def _failed(name: str, message: str) -> dict:
    return {"report": None, "files": {}, "error": message, "name": name}


# ---------------------------------------------------------------- formatting helpers


def problem_with_clip(report: dict) -> str | None:
    """A warning when the clip holds no running to judge (no person, walking...)."""
    det = report.get("detection", {})
    if not det.get("frames_with_person"):
        return (
            "No person was found in this video. Film the whole body from the side, "
            "the runner filling at least half the frame height."
        )
    activity = report.get("view", {}).get("activity")
    if activity != "running":
        what = activity if activity in ("walking", "standing") else "not running"
        return (
            f"This looks like {what}, not running, so the running feedback is left "
            "out. Film 10–20 seconds of steady running."
        )
    return None


def flagged(report: dict) -> list[dict]:
    """The flagged findings, ranked (the report keeps the rules' order)."""
    return [f for f in report.get("findings", []) if f["status"] == "flagged"]


def jump_time(finding: dict, lead_s: float = 0.3, slowmo: float = 1.0) -> float | None:
    """Where the video should start to show ``finding`` (seconds of the video's own
    clock: the report's times are real time, ``slowmo`` times shorter), or None."""
    ev = finding.get("evidence") or {}
    ranges = ev.get("time_ranges") or []
    if not ranges or ranges[0][0] is None:
        return None
    return max(0.0, float(ranges[0][0]) * slowmo - lead_s)


def number_line(finding: dict) -> str:
    """The number behind a finding, e.g. "0.53 leg lengths (threshold 0.52) in 10/11
    steps"."""
    ev = finding.get("evidence") or {}
    value, unit = ev.get("value"), ev.get("unit", "")
    if value is None:
        return ""
    text = f"{_fmt(value, unit)} {unit}".strip()
    if ev.get("threshold") is not None:
        side = "over" if ev.get("comparison") == ">" else "under"
        text += f" ({side} {_fmt(ev['threshold'], unit)})"
    if ev.get("steps_total"):
        what = "steps" if ev["steps_total"] < 1000 else "frames"
        text += f", in {ev['steps_affected']} of {ev['steps_total']} {what}"
    return text


def _fmt(value: float, unit: str) -> str:
    digits = 0 if unit == "steps/min" else 2 if abs(value) < 10 else 1
    return f"{value:.{digits}f}"


def clip_summary(report: dict) -> str:
    """One line: view, cadence, steps, frames with the runner."""
    view, summary = report.get("view", {}), report.get("summary", {})
    parts = [f"{view.get('kind', '?')} view"]
    if view.get("facing"):
        parts[0] += f", facing {view['facing']}"
    if view.get("treadmill") is not None:
        parts.append("treadmill" if view["treadmill"] else "overground")
    parts.append(str(view.get("activity", "?")))
    cadence = summary.get("cadence_spm")
    if cadence is not None and math.isfinite(cadence):
        parts.append(f"cadence {cadence:.0f} steps/min")
    parts.append(f"{summary.get('n_steps', 0)} steps")
    det = report.get("detection", {})
    if det.get("detection_rate") is not None:
        parts.append(f"runner found in {100 * det['detection_rate']:.0f}% of frames")
    return " · ".join(parts)


def metric_frame(report: dict, names: list[str]):
    """Long-form table ``time_s, metric, value`` of per-frame metrics, for a chart."""
    import pandas as pd

    rows = [
        (fr["time_s"], name, fr["metrics"].get(name))
        for fr in report.get("frames", [])
        if fr.get("metrics")
        for name in names
    ]
    df = pd.DataFrame(rows, columns=["time_s", "metric", "value"])
    return df.dropna()


def contact_frame(report: dict):
    """Initial contacts ``time_s, foot`` for the chart's marks."""
    import pandas as pd

    rows = [
        (e["time_s"], e["foot"])
        for e in report.get("events", [])
        if e["type"] == "initial_contact"
    ]
    return pd.DataFrame(rows, columns=["time_s", "foot"])


def metric_label(name: str) -> str:
    """``knee_flexion_left_deg`` -> ``knee flexion left (°)``."""
    unit = " (°)" if name.endswith("_deg") else ""
    return name.removesuffix("_deg").replace("_", " ") + unit


def available_metrics(report: dict) -> list[str]:
    """Chart metrics measured in at least one frame."""
    seen = set()
    for fr in report.get("frames", []):
        for k, v in (fr.get("metrics") or {}).items():
            if v is not None:
                seen.add(k)
    return [m for m in CHART_METRICS if m in seen]


# ---------------------------------------------------------------------------- page


def upload_limits(options: Options) -> str:
    """The limits stated under the upload box."""
    limit = format_duration(options.max_clip_s)
    return (
        f"{', '.join(VIDEO_TYPES)} · up to {options.max_upload_mb} MB and {limit} "
        f"(of a longer clip, the first {limit} are analysed)."
    )


def _clip_info(data: bytes, name: str, digest: str):
    """``probe_upload`` once per upload in this session: ``(VideoInfo, None)`` or
    ``(None, message)``."""
    from formcheck.errors import FormcheckError

    seen = st.session_state.get("clip_info")
    if seen is None or seen[0] != (digest, name):
        try:
            found = (probe_upload(data, name), None)
        except FormcheckError as exc:
            found = (None, str(exc))
        except Exception:  # noqa: BLE001  (the page must never show a traceback)
            log.exception("probing %s failed", name)
            found = (None, GENERIC_ERROR)
        seen = ((digest, name), found)
        st.session_state["clip_info"] = seen
    return seen[1]


def _max_upload_mb() -> int:
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001
        return DEFAULT_MAX_UPLOAD_MB


def result_key(digest: str, name: str, options: Options) -> tuple:
    """What a result is cached under: the file's SHA-256, its name (the reports show
    it) and every option."""
    return (digest, name, *sorted(asdict(options).items()))


def waiting_message(ahead: int, waited_s: float) -> str:
    """What a visitor sees while other analyses run before theirs."""
    text = "Waiting for another analysis to finish…"
    if ahead > 1:
        text = f"Waiting for {ahead} other analyses to finish…"
    if waited_s >= 1:
        text += f" ({waited_s:.0f} s so far; this server analyses one video at a time)"
    return text


def _analyse_now(data: bytes, name: str, options: Options) -> dict:
    """:func:`analyse` with a progress bar; a video the user got wrong is a result
    with an error, anything else propagates."""
    from formcheck.errors import FormcheckError

    bar = st.progress(0.0, text="Reading video")

    def progress(fraction: float, stage: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=stage)

    try:
        return analyse(data, name, options, progress)
    except FormcheckError as exc:
        return _failed(name, str(exc))
    finally:
        bar.empty()


def _analyse_with_progress(
    data: bytes, name: str, digest: str, options: Options
) -> dict:
    """The result for this file and these options: from the server's cache, else
    analysed when this session's turn comes (see :mod:`formcheck.service_limits`).

    A result larger than the whole cache is kept in this session only (one at a
    time), so that redrawing the page does not analyse the clip again.
    """
    key = result_key(digest, name, options)
    cache = service_limits.shared_cache()
    mine = st.session_state.get("own_result")
    if mine is not None and mine[0] != key:
        del st.session_state["own_result"]  # only the result being shown is kept
        mine = None
    result = mine[1] if mine is not None else cache.get(key)
    if result is not None:
        return result
    notice = st.empty()

    def waiting(ahead: int, waited_s: float) -> None:
        # Also where Streamlit stops this thread if the visitor leaves or reruns.
        notice.info(waiting_message(ahead, waited_s), icon="⏳")

    try:
        with service_limits.shared_queue().turn(waiting):
            notice.empty()
            # Another session may have analysed the same clip while this one waited.
            result = cache.get(key)
            if result is None:
                result = _analyse_now(data, name, options)
                if not cache.put(key, result):
                    st.session_state["own_result"] = (key, result)
    except Exception:  # noqa: BLE001  (the page must never show a traceback)
        log.exception("analysis of %s failed", name)
        return _failed(name, GENERIC_ERROR)
    return result


#: The page's playback choices: label -> how many times slower than real life
#: (None: not known; a runner at a cadence no runner has is taken for slow motion).
PLAYBACK = {
    "auto (slow motion detected)": None,
    "real time": 1.0,
    "slow motion 2×": 2.0,
    "slow motion 4×": 4.0,
    "slow motion 8×": 8.0,
}


def _sidebar(st) -> Options:
    st.sidebar.header("Settings")
    view = st.sidebar.selectbox(
        "Camera view", VIEWS, help="auto: formcheck works it out from the video."
    )
    height = st.sidebar.number_input(
        "Runner height (cm)",
        min_value=80,
        max_value=250,
        value=None,
        step=1,
        placeholder="optional",
        help="Gives vertical oscillation in cm.",
    )
    playback = st.sidebar.selectbox(
        "Playback",
        list(PLAYBACK),
        help="Slow motion saved as a normal video plays slower than real life: say "
        "how much, so cadence and contact times come out in real time (auto "
        "notices slow motion and estimates it, but then withholds times). Phone "
        "slow-motion files that keep their high frame rate need nothing.",
    )
    variant = st.sidebar.selectbox(
        "Pose model",
        VARIANTS,
        index=VARIANTS.index("full"),
        help="lite is faster, heavy more accurate; full is a good balance.",
    )
    several = st.sidebar.checkbox(
        "Several people in view",
        value=True,
        help="Look for up to 3 people and pick the runner (slower). Untick when the "
        "runner is alone in the picture.",
    )
    st.sidebar.caption(
        "Your video is analysed on this server in a private temporary folder that is "
        "deleted straight after; nothing is kept or sent anywhere."
    )
    return Options(
        view=view,
        height_cm=float(height) if height is not None else None,
        slowmo=PLAYBACK[playback],
        variant=variant,
        several_people=several,
        max_upload_mb=_max_upload_mb(),
        max_clip_s=service_limits.max_clip_seconds(),
    )


def _choose_video(st, options: Options) -> tuple[bytes, str] | None:
    """The upload or the sample, remembered across reruns."""
    upload = st.file_uploader(
        "Upload a running video", type=list(VIDEO_TYPES), key="upload"
    )
    st.caption(upload_limits(options))
    if st.button("Try a sample video", help=f"{SAMPLE_VIDEO.name}, a rendered runner"):
        st.session_state["use_sample"] = True
        st.session_state["video_start"] = 0.0
    if upload is not None:
        if st.session_state.get("upload_id") != upload.file_id:
            st.session_state["upload_id"] = upload.file_id
            st.session_state["use_sample"] = False
            st.session_state["video_start"] = 0.0
        if not st.session_state.get("use_sample"):
            return upload.getvalue(), upload.name
    if st.session_state.get("use_sample"):
        return SAMPLE_VIDEO.read_bytes(), SAMPLE_VIDEO.name
    return None


def _show_finding(
    st, rank: int, f: dict, key_frame: bytes | None, slowmo: float = 1.0
) -> None:
    ev = f.get("evidence") or {}
    st.markdown(f"#### {rank}. {f['title']}")
    conf = ev.get("confidence")
    meta = f"**{(f.get('severity') or '').capitalize()}**"
    if conf is not None:
        meta += f" · confidence {conf:.2f}"
    number = number_line(f)
    if number:
        meta += f" · {number}"
    st.markdown(meta)
    st.markdown(f["message"])
    st.markdown(f"**Cue:** {f['cue']}")
    for drill in f.get("drills", []):
        st.markdown(f"**Drill:** {drill}")
    with st.expander("Why it matters"):
        st.markdown(f["why"])
        if key_frame:
            st.image(key_frame, caption="Key frame", width="stretch")
    t = jump_time(f, slowmo=slowmo)
    if t is not None and st.button(
        f"▶ Show in the video (at {t:.1f} s)", key=f"jump-{f['id']}"
    ):
        st.session_state["video_start"] = t


def _show_chart(st, report: dict) -> None:
    import altair as alt

    names = available_metrics(report)
    if not names:
        return
    st.subheader("Metrics over time")
    chosen = st.multiselect(
        "Metrics",
        names,
        default=names[:3],
        format_func=metric_label,
        key="chart_metrics",
    )
    df = metric_frame(report, chosen)
    df["metric"] = df["metric"].map(metric_label)
    if df.empty:
        return
    lines = (
        alt.Chart(df)
        .mark_line()
        .encode(
            x=alt.X("time_s:Q", title="time (s)"),
            y=alt.Y("value:Q", title="degrees"),
            color=alt.Color("metric:N", title=None),
            tooltip=["metric", alt.Tooltip("time_s", format=".2f"), "value"],
        )
    )
    ic = contact_frame(report)
    chart = lines
    if not ic.empty:
        rules = (
            alt.Chart(ic)
            .mark_rule(strokeDash=[3, 3], opacity=0.5)
            .encode(
                x="time_s:Q",
                strokeDash=alt.StrokeDash("foot:N", title="foot strike"),
                tooltip=["foot", alt.Tooltip("time_s", format=".2f")],
            )
        )
        chart = rules + lines
    chart = chart.interactive(bind_y=False).configure_legend(
        orient="bottom", direction="vertical", labelLimit=0
    )
    st.altair_chart(chart, width="stretch")
    st.caption(
        "Grey vertical lines: foot strikes (solid left, dashed right). "
        "Drag to pan, scroll to zoom."
    )


def _show_result(st, result: dict) -> None:
    from formcheck.rules import HEALTH_NOTE

    report, files = result["report"], result["files"]
    st.success(f"{result['name']}: {clip_summary(report)}")
    problem = problem_with_clip(report)
    if problem:
        st.warning(problem)
    # Findings first: on a phone the columns stack, and they are what matters most.
    findings_col, video_col = st.columns([1, 1], gap="large")
    shown = flagged(report)
    slowmo = float((report.get("playback") or {}).get("slowmo") or 1.0)
    with findings_col:
        st.subheader("What to work on")
        if not shown and not problem:
            st.markdown("Nothing to fix in this clip.")
        for rank, f in enumerate(shown[:3], 1):
            _show_finding(st, rank, f, files.get(f"frames/{f['id']}.png"), slowmo)
        if len(shown) > 3:
            with st.expander(f"{len(shown) - 3} more"):
                for rank, f in enumerate(shown[3:], 4):
                    _show_finding(
                        st, rank, f, files.get(f"frames/{f['id']}.png"), slowmo
                    )
        ok = [f["title"] for f in report.get("findings", []) if f["status"] == "ok"]
        if ok:
            st.markdown("**Checked and not seen:** " + ", ".join(ok) + ".")
        not_judged = [
            f["title"]
            for f in report.get("findings", [])
            if f["status"] == "not_judged"
        ]
        if not_judged:
            st.caption("Not judged from this clip: " + ", ".join(not_judged) + ".")
    with video_col:
        st.subheader("Annotated video")
        if "annotated.mp4" in files:
            start = float(st.session_state.get("video_start", 0.0))
            st.video(
                files["annotated.mp4"], start_time=start, autoplay=start > 0, muted=True
            )
        notes = report.get("capture_notes") or []
        if notes:
            st.markdown("**Capture notes**")
            for note in notes:
                st.info(note)
    _show_chart(st, report)
    if report.get("steps"):
        import pandas as pd

        st.subheader("Step by step")
        steps = pd.DataFrame(report["steps"]).round(3)
        st.dataframe(steps, hide_index=True, width="stretch")
    st.subheader("Downloads")
    cols = st.columns(len(DOWNLOADS))
    for col, (fname, mime) in zip(cols, DOWNLOADS, strict=True):
        if fname in files:
            col.download_button(
                fname, files[fname], file_name=fname, mime=mime, key=f"dl-{fname}"
            )
    st.caption(HEALTH_NOTE)


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="formcheck", page_icon="🏃", layout="wide")
    st.title("formcheck")
    st.markdown(
        "**Running-form feedback from a phone video.** Upload 10–20 seconds of a "
        "runner filmed from the side, and get what to work on — with the number "
        "behind it, a cue and drills."
    )
    options = _sidebar(st)
    with st.expander("How to film", expanded=False):
        st.markdown(HOW_TO_FILM)
    chosen = _choose_video(st, options)
    if chosen is None:
        st.info("Upload a video or try the sample to see the feedback.")
        st.caption("Film tips are under “How to film” above.")
        return
    data, name = chosen
    problem = check_upload(data, name, options.max_upload_mb)
    if problem:
        st.error(problem)
        return
    digest = hashlib.sha256(data).hexdigest()
    info, problem = _clip_info(data, name, digest)
    if problem:
        st.error(problem)
        return
    too_long = clip_too_long(info.duration_s, options.max_clip_s)
    if too_long:
        st.warning(too_long)
    result = _analyse_with_progress(data, name, digest, options)
    if result["error"]:
        st.error(result["error"])
        return
    _show_result(st, result)


if __name__ == "__main__":
    main()
