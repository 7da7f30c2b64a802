"""The interactive view's content (plotly figure and frames), checked against the run it
shows; tests/test_browser.py opens it in a real browser."""

from pathlib import Path

import numpy as np
import pytest

from sprn import engagement, htmlreport, interactive, scenario

ROOT = Path(__file__).resolve().parents[1]
KUSONG = ROOT / "scenarios" / "kusong-2017-05-14.toml"


@pytest.fixture(scope="module")
def kusong():
    return engagement.run_scenario(scenario.load(KUSONG), launch_point=True)


@pytest.fixture(scope="module")
def figure(kusong):
    return interactive.interactive_figure(kusong)


def trace(fig, name_start):
    found = [t for t in fig.data if (t.name or "").startswith(name_start)]
    assert len(found) == 1, name_start
    return list(fig.data).index(found[0])


def frame_trace(frame, index):
    return frame.data[list(frame.traces).index(index)]


def test_steps_are_launch_first_detection_every_prediction_and_impact(kusong):
    steps = interactive.steps(kusong)
    first = kusong.output.first_detection_s
    times = [s.t_s for s in steps]
    assert times[0] == 0.0 and times[-1] == kusong.truth.t_impact_s and first in times
    assert {a.prediction.t_s for a in kusong.output.assessments} <= set(times)
    labels = [s.label for s in steps]
    assert len(set(labels)) == len(labels), "frame names are unique"
    assert "+180 s" in labels and "+0 s" in labels


def test_each_frame_shows_what_the_centre_knew_then(kusong, figure):
    steps = interactive.steps(kusong)
    assert [f.name for f in figure.frames] == [s.label for s in steps]
    track = trace(figure, "track so far")
    ellipse = trace(figure, "impact prediction")
    launch = trace(figure, "launch-point estimate")
    hist_t = np.array([e.t_s for e in kusong.output.tracker.history])
    for step, frame in zip(steps, figure.frames):
        n = int(np.sum(hist_t <= step.t_s + 1e-9))
        assert len(frame_trace(frame, track).x) == n
        made = [a.prediction for a in kusong.output.assessments if a.prediction.t_s <= step.t_s + 1e-9]
        drawn = frame_trace(frame, ellipse)
        if made:
            np.testing.assert_allclose(np.column_stack([drawn.x, drawn.y, drawn.z]),
                                       interactive.ellipse_xyz_km(made[-1]))
            assert f"t = {made[-1].t_s:.0f} s" in drawn.name
        else:
            assert len(drawn.x) == 0
        assert (len(frame_trace(frame, launch).x) > 0) == (step.t_s >= kusong.launch.t_s)
        assert ("WARNING" in frame.layout.title.text) == (step.t_s >= kusong.output.first_event_s("warning"))


def test_the_180_s_frame_draws_the_180_s_ellipse(kusong, figure):
    pred, _ = kusong.prediction_at(180.0)
    frame = next(f for f in figure.frames if f.name == "+180 s")
    drawn = frame_trace(frame, trace(figure, "impact prediction"))
    np.testing.assert_allclose(np.column_stack([drawn.x, drawn.y, drawn.z]), interactive.ellipse_xyz_km(pred))
    # The ellipse lies on the globe: its points are ~6,370 km from the centre.
    r = np.linalg.norm(np.column_stack([drawn.x, drawn.y, drawn.z]), axis=1)
    assert np.all((r > 6350.0) & (r < 6380.0))


def test_timeline_rows_are_the_sites_that_looked(kusong, figure):
    rows = list(figure.layout.yaxis.ticktext)
    assert "mishelevka" in rows
    detected = {d.site for d in kusong.output.detections}
    assert detected <= set(rows)


def test_report_embeds_the_view_with_its_javascript_and_stays_small(kusong):
    page = htmlreport.html_report(kusong)
    assert f'id="{interactive.DIV_ID}"' in page
    assert "<script src=" not in page, "plotly.js is inline, not fetched"
    assert "Plotly.newPlot" in page
    scripts = [block.split("</script>")[0] for block in page.split("<script")[1:]]
    assert max(map(len, scripts)) > 3e6, "plotly.js (about 4.8 MB) is in the page"
    assert len(page.encode("utf-8")) < 10e6
    assert 'id="' + interactive.DIV_ID not in htmlreport.html_report(kusong, view=False)
