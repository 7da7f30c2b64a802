"""The track against the truth: errors with covariance envelopes, consistency, impact predictions."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from sprn.engagement import RunResult
from sprn.plot.common import (
    WARNING_COLOUR,
    FloatArray,
    event_lines,
    new_figure,
    no_data,
    plain_log_axis,
    set_margins,
)
from sprn.tracking.consistency import chi2_band

Pcrlb = tuple[NDArray[np.float64], NDArray[np.float64]]
"""A posterior Cramér-Rao lower bound: times (s, (m,)) and bound covariances ((m, 6, 6))."""
AXIS_NAMES = ("radial", "along-track", "cross-track")
BAND_PROBABILITY = 0.95


def ric_rotation(x: FloatArray) -> FloatArray:
    """Rotations ``(m, 3, 3)`` whose rows are the radial, along-track and cross-track unit
    vectors of states ``(m, 6)`` (radial: along ``r``; cross-track: along ``r x v``)."""
    r, v = x[:, :3], x[:, 3:]
    radial = r / np.linalg.norm(r, axis=1, keepdims=True)
    cross = np.cross(r, v)
    cross /= np.linalg.norm(cross, axis=1, keepdims=True)
    along = np.cross(cross, radial)
    return np.stack([radial, along, cross], axis=1)


def ric_errors(result: RunResult) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Track errors and standard deviations in the truth's radial/along/cross frame.

    Returns ``(t_s (m,), error (m, 6), sigma (m, 6), rotation (m, 3, 3))``: position
    (m) then velocity (m/s) components, sigmas from the track covariance rotated into the
    same frame (``R P R'`` per block).
    """
    hist = result.rv_history
    t = np.array([e.t_s for e in hist])
    p = np.array([e.p for e in hist]).reshape(-1, 6, 6)
    rot = ric_rotation(result.truth.state(t).reshape(-1, 6))
    err = result.score.error.reshape(-1, 6)
    e_ric = np.concatenate([np.einsum("mij,mj->mi", rot, err[:, :3]), np.einsum("mij,mj->mi", rot, err[:, 3:])], axis=1)
    sig = np.concatenate([_rotated_sigma(rot, p[:, :3, :3]), _rotated_sigma(rot, p[:, 3:, 3:])], axis=1)
    return t, e_ric, sig, rot


def _rotated_sigma(rot: FloatArray, cov: FloatArray) -> FloatArray:
    return np.asarray(np.sqrt(np.maximum(np.einsum("mij,mjk,mik->mi", rot, cov, rot), 0.0)), dtype=float)


def _pcrlb_sigma(result: RunResult, pcrlb: Pcrlb) -> tuple[FloatArray, FloatArray]:
    """The bound's standard deviations in the truth's RIC frame at its own times."""
    t, cov = np.asarray(pcrlb[0], dtype=float), np.asarray(pcrlb[1], dtype=float).reshape(-1, 6, 6)
    rot = ric_rotation(result.truth.state(t).reshape(-1, 6))
    return t, np.concatenate([_rotated_sigma(rot, cov[:, :3, :3]), _rotated_sigma(rot, cov[:, 3:, 3:])], axis=1)


def track_errors(result: RunResult, pcrlb: Pcrlb | None = None) -> Figure:
    """Position and velocity errors of the track against the truth, in the truth's
    radial / along-track / cross-track frame, with the filter's own +-2 sigma envelope
    (from its covariance) and, if given, the +-2 sigma of a posterior Cramér-Rao lower
    bound ``pcrlb = (t_s, covariances (m, 6, 6))`` (the best any unbiased estimator could do).

    A consistent filter keeps its errors inside its envelope about 95 % of the time; an
    envelope far below the bound means the filter is over-confident.
    """
    fig = new_figure(12.0, 6.5, layout=None)
    set_margins(fig, 0.75, 0.15, 0.55, 0.6, wspace=0.27, hspace=0.08)
    if not result.rv_history:
        return no_data(fig, "no track: the network never initiated one")
    t, err, sig, _ = ric_errors(result)
    bound = _pcrlb_sigma(result, pcrlb) if pcrlb is not None else None
    axes = fig.subplots(2, 3, sharex=True)
    units = (("km", 1e-3), ("m/s", 1.0))
    for row in range(2):
        unit, scale = units[row]
        for col in range(3):
            k = 3 * row + col
            ax = axes[row, col]
            ax.fill_between(t, -2 * sig[:, k] * scale, 2 * sig[:, k] * scale, step="post", color="tab:blue",
                            alpha=0.2, lw=0, label="filter ±2σ (covariance)")
            ax.plot(t, err[:, k] * scale, color="black", lw=1.0, marker=".", ms=3, label="error (track − truth)")
            if bound is not None:
                tb, sb = bound
                ax.plot(tb, 2 * sb[:, k] * scale, color="tab:red", lw=1.0, ls="--", label="±2σ PCRLB")
                ax.plot(tb, -2 * sb[:, k] * scale, color="tab:red", lw=1.0, ls="--")
            ax.axhline(0.0, color="0.3", lw=0.6)
            ax.set_ylabel(f"{AXIS_NAMES[col]} {'position' if row == 0 else 'velocity'} error ({unit})")
            ax.grid(True, alpha=0.3)
            ax.set_xlim(t[0] - 0.02 * (t[-1] - t[0] + 1.0), result.truth.t_impact_s)
            if row == 1:
                ax.set_xlabel("time after launch (s)")
    for col in range(3):
        event_lines(axes[:, col], result, label_ax=axes[0, col], t_min_s=float(t[0]), inside=True)
    axes[0, 0].legend(fontsize=7.5, loc="best")
    inside = np.mean(np.abs(err) <= 2 * sig)
    s = result.score
    fig.suptitle(f"Track errors against the truth: position RMSE {s.pos_rmse_m / 1e3:.2f} km, velocity RMSE "
                 f"{s.vel_rmse_mps:.0f} m/s; {100 * inside:.0f} % of components inside ±2σ (95 % if consistent)\n"
                 f"{result.scenario.name}; filter {result.scenario.tracker.filter}", fontsize=10)
    return fig


def _band_plot(ax: Axes, t: FloatArray, values: FloatArray, dofs: NDArray[np.int_], what: str) -> float:
    """Values on a log axis with the two-sided 95 % chi-square band of each degree of freedom.

    Returns the fraction of values inside their band.
    """
    inside = np.zeros(values.shape, dtype=bool)
    for dof in np.unique(dofs):
        lo, hi = chi2_band(int(dof), 1, BAND_PROBABILITY)
        sel = dofs == dof
        inside[sel] = (values[sel] >= lo) & (values[sel] <= hi)
        ax.axhspan(lo, hi, color="tab:green", alpha=0.15,
                   label=f"95 % band of χ²({dof}): [{lo:.2f}, {hi:.1f}]")
        ax.axhline(dof, color="tab:green", lw=1.0, ls="--", label=f"expected value {dof}")
    ax.plot(t, values, color="black", marker="o", ms=3.5, lw=0.9, label=what)
    plain_log_axis(ax)
    ax.legend(fontsize=7.5, loc="best")
    return float(np.mean(inside)) if len(values) else float("nan")


def nees_plot(result: RunResult) -> Figure:
    """Filter consistency in one run: the NEES of every update (chi-square with 6 degrees
    of freedom if the filter is consistent) and the NIS of every report used (chi-square
    with 3, or 4 with range rate), each with its two-sided 95 % band.

    Bar-Shalom, Li & Kirubarajan (2001), *Estimation with Applications to Tracking and
    Navigation*, sec. 5.4.2.
    """
    fig = new_figure(11.0, 7.0, layout=None)
    set_margins(fig, 0.8, 0.2, 0.6, 0.65, hspace=0.08)
    score = result.score
    if not len(score.t_s):
        return no_data(fig, "no track: the network never initiated one")
    top, bottom = fig.subplots(2, 1, sharex=True)
    frac = _band_plot(top, score.t_s, score.nees, np.full(len(score.t_s), 6), "NEES")
    top.set_ylabel("NEES  e' P⁻¹ e")
    hist = result.rv_history
    nis = np.array([e.nis for e in hist])
    ok = np.isfinite(nis)
    dofs = np.array([e.dof for e in hist])
    frac_nis = _band_plot(bottom, score.t_s[ok], nis[ok], dofs[ok], "NIS")
    bottom.set_ylabel("NIS  y' S⁻¹ y")
    bottom.set_xlabel("time after launch (s)")
    event_lines((top, bottom), result, label_ax=top, inside=True)
    bottom.set_xlim(0.0, 1.02 * result.truth.t_impact_s)
    fig.suptitle(f"Filter consistency: {result.scenario.name}; filter {result.scenario.tracker.filter}\n"
                 f"NEES: mean {score.nees_mean:.2f} (6 if consistent), {100 * frac:.0f} % of updates inside the band; "
                 f"NIS: mean {score.nis_mean:.2f}, {100 * frac_nis:.0f} % inside (95 % if consistent)", fontsize=10)
    return fig


def impact_errors(result: RunResult) -> Figure:
    """The impact predictions against time: distance from the true impact and the 95 %
    ellipse's semi-axes (above); the predicted point's distance to the defended territory,
    the alert distance and the probability of landing on the territory (below).
    """
    fig = new_figure(11.0, 7.0, layout=None)
    set_margins(fig, 0.8, 0.8, 0.6, 0.45, hspace=0.15)
    assessments = result.output.assessments
    if not assessments:
        return no_data(fig, "no impact prediction was made")
    top, bottom = fig.subplots(2, 1, sharex=True)
    t = np.array([a.prediction.t_s for a in assessments])

    def get(name: str) -> FloatArray:
        return np.array([getattr(a.prediction, name) for a in assessments])

    top.plot(t, result.prediction_errors_km, color="black", marker="o", ms=4, lw=1.0,
                 label="distance from the true impact")
    top.plot(t, get("semi_major_km"), color="tab:blue", marker="^", ms=3.5, lw=0.9, label="95 % ellipse: semi-major")
    top.plot(t, get("semi_minor_km"), color="tab:cyan", marker="v", ms=3.5, lw=0.9, label="95 % ellipse: semi-minor")
    top.set_ylabel("prediction error, ellipse semi-axes (km)")
    plain_log_axis(top)
    top.legend(fontsize=8, loc="lower left")
    _territory_panel(bottom, result, t)
    event_lines((top, bottom), result, label_ax=top, inside=True)
    bottom.set_xlabel("time the prediction was made (s after launch)")
    bottom.set_xlim(0.0, result.truth.t_impact_s * 1.02)
    fig.suptitle(f"Impact predictions: {result.scenario.name}", fontsize=10)
    return fig


def _territory_panel(ax: Axes, result: RunResult, t: FloatArray) -> None:
    rule = result.scenario.sim.threat
    if rule.territory is None:
        ax.text(0.5, 0.5, "no defended territory in this scenario", transform=ax.transAxes, ha="center")
        return
    dist = np.array([a.dist_to_territory_km for a in result.output.assessments])
    prob = np.array([a.p_territory for a in result.output.assessments])
    ax.plot(t, dist, color="saddlebrown", marker="o", ms=4, lw=1.0, label=f"predicted point to {rule.territory.name}")
    if rule.alert_distance_km > 0.0:
        ax.axhline(rule.alert_distance_km, color=WARNING_COLOUR, ls="--", lw=1.0,
                   label=f"alert distance {rule.alert_distance_km:.0f} km")
    ax.set_ylabel(f"distance to {rule.territory.name} (km)")
    ax.set_ylim(bottom=0.0)
    ax.grid(True, alpha=0.3)
    twin = ax.twinx()
    twin.plot(t, prob, color="tab:purple", marker="s", ms=3, lw=0.9, label=f"P(lands on {rule.territory.name})")
    twin.axhline(rule.p_threshold, color="tab:purple", ls=":", lw=1.0, label=f"alert probability {rule.p_threshold:g}")
    twin.set_ylim(-0.02, 1.02)
    twin.set_ylabel("probability")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    ax.set_title(f"Threat to {rule.territory.name}", fontsize=9)
