"""A run for the globe tools analysts use: CZML (CesiumJS) and KML (Google Earth).

:func:`czml_document` builds the run as a :class:`czml3.Document` (validated by czml3's
model classes as it is built) and :func:`czml_text` as text; :func:`kml_text` writes KML
with simplekml. Both carry the same geometry as the figures (:mod:`sprn.plot.maps`):
coverage edges at the target's altitude at first detection, 95 % ground ellipses along
geodesics. Times are the scenario's epoch (the launch, UTC) plus simulation seconds, so the
globe's clock runs from launch to impact.

What goes in:

* **CZML**: the reentry vehicle's and the spent booster's ECEF positions, time-tagged (the
  Earth-fixed frame, Lagrange interpolation), with their paths; each radar site and its
  coverage edge; the command centre's track (ECEF, time-tagged from its first update);
  every impact prediction with its 95 % ellipse, shown from the moment it was made until
  the next one; the launch-point estimate and its ellipse from the moment it was made;
  and the event log (launch, detections, track, cues, predictions, warning, impact) as
  labelled points shown for :data:`EVENT_SHOW_S` seconds each, the link's
  ``report_received`` entries left out.
* **KML**: the ground tracks, the 3D trajectories at absolute altitude, the sites and
  their coverage edges, the impact ellipses (each with its ``TimeSpan``, so Google Earth's
  time slider steps through them), the launch-point ellipse and the true impact.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import numpy as np
import simplekml
from czml3 import (
    Clock,
    Color,
    Document,
    Label,
    Packet,
    Path,
    Point,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
    TimeInterval,
)
from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms
from czml3.types import Cartesian2Value
from matplotlib.colors import to_rgba

from sprn.engagement import RunResult
from sprn.plot.common import (
    Sampled,
    sample_booster,
    sample_truth,
    site_colours,
    site_label,
)
from sprn.plot.maps import (
    GroundEllipse,
    coverage_altitude_m,
    coverage_wedge,
    ellipse_lonlat,
)

TRUTH_SAMPLES = 600
"""Samples of the reentry vehicle's flight (plus its event times): about every 3 s."""
EVENT_SHOW_S = 60.0
"""How long (s) an event's label stays on the globe."""
HIDDEN_EVENTS = frozenset({"report_received"})
"""Event-log entries left out of the CZML (one per report; the detections are in)."""
RV_COLOUR, BOOSTER_COLOUR, TRACK_COLOUR = "black", "0.45", "tab:red"
ELLIPSE_COLOUR, LAUNCH_COLOUR = "tab:purple", "tab:green"


def _time(result: RunResult, t_s: float) -> dt.datetime:
    """Simulation seconds as a UTC time."""
    return result.scenario.epoch + dt.timedelta(seconds=float(t_s))


def _iso(result: RunResult, t_s: float) -> str:
    return _time(result, t_s).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rgba(colour: str, alpha: float = 1.0) -> list[int]:
    r, g, b, _ = to_rgba(colour)
    return [round(255 * r), round(255 * g), round(255 * b), round(255 * alpha)]


def _ring(lon: np.ndarray, lat: np.ndarray, alt_m: float = 0.0) -> list[float]:
    """``[lon, lat, h, lon, lat, h, ...]`` for czml3's cartographic-degrees lists."""
    return np.column_stack([lon, lat, np.full(len(lon), alt_m)]).ravel().tolist()


def _samples(t_s: np.ndarray, r_m: np.ndarray) -> list[float]:
    """``[t, x, y, z, t, x, y, z, ...]``: time-tagged ECEF positions."""
    return np.column_stack([t_s, r_m]).ravel().tolist()


def _prediction_spans(result: RunResult) -> list[tuple[float, float]]:
    """Each prediction's display interval: from when it was made to the next one (the last to impact)."""
    t = [a.prediction.t_s for a in result.output.assessments]
    end = result.truth.t_impact_s
    return [(t0, max(t1, t0 + 1.0)) for t0, t1 in zip(t, [*t[1:], end])]


def _moving_packet(result: RunResult, ident: str, name: str, t_s: np.ndarray, r_m: np.ndarray, colour: str,
                   description: str, width: float = 2.0) -> Packet:

    return Packet(
        id=ident, name=name, description=description,
        availability=TimeInterval(start=_time(result, t_s[0]), end=_time(result, t_s[-1])),
        position=Position(epoch=_time(result, 0.0), referenceFrame="FIXED", interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
                          interpolationDegree=5, cartesian=_samples(t_s, r_m)),
        point=Point(pixelSize=7, color=Color(rgba=_rgba(colour))),
        path=Path(width=width, leadTime=0, resolution=5,
                  material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=_rgba(colour))))),
    )


def _ellipse_packet(result: RunResult, ident: str, name: str, est: GroundEllipse, span: tuple[float, float],
                    colour: str, description: str) -> Packet:

    lon, lat = ellipse_lonlat(est)
    return Packet(
        id=ident, name=name, description=description,
        availability=TimeInterval(start=_time(result, span[0]), end=_time(result, span[1])),
        position=Position(cartographicDegrees=[est.lon_deg, est.lat_deg, 0.0]),
        point=Point(pixelSize=6, color=Color(rgba=_rgba(colour))),
        polyline=Polyline(positions=PositionList(cartographicDegrees=_ring(lon, lat)), width=2, clampToGround=True,
                          material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=_rgba(colour))))),
    )


def _site_packets(result: RunResult) -> list[Packet]:

    colours = site_colours(result)
    alt_m = coverage_altitude_m(result, None)
    seen = {d.site for d in result.output.detections}
    packets = []
    for site in result.scenario.sites:
        c = colours[site.name]
        label = site_label(result, site.name)
        packets.append(Packet(
            id=f"site/{site.name}", name=label,
            description=f"radar site {html.escape(label)}: {len(result.output.dwells.get(site.name, ()))} dwells, "
                        f"{sum(d.site == site.name for d in result.output.detections)} detections",
            position=Position(cartographicDegrees=[site.lon_deg, site.lat_deg, site.alt_m]),
            point=Point(pixelSize=9, color=Color(rgba=_rgba(c))),
            label=Label(text=label, font="12pt sans-serif", pixelOffset=Cartesian2Value(values=[10, -10]),
                        fillColor=Color(rgba=_rgba(c))),
        ))
        lon, lat = coverage_wedge(site, alt_m)
        packets.append(Packet(
            id=f"coverage/{site.name}", name=f"{label} coverage at {alt_m / 1000:.0f} km",
            description=f"outer edge of {html.escape(label)}'s coverage of targets at {alt_m / 1000:.0f} km altitude",
            polyline=Polyline(positions=PositionList(cartographicDegrees=_ring(lon, lat, alt_m)),
                              width=3 if site.name in seen else 1.5,
                              material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=_rgba(c, 0.8))))),
        ))
    return packets


def _event_packets(result: RunResult, rv: Sampled) -> list[Packet]:

    sites = {s.name: s for s in result.scenario.sites}
    packets = []
    for k, event in enumerate(result.output.events):
        if event.type in HIDDEN_EVENTS:
            continue
        where = sites.get(str(event.details.get("site", "")))
        if where is not None and event.type == "cue":
            pos = [where.lon_deg, where.lat_deg, where.alt_m]
        else:
            i = int(np.clip(np.searchsorted(rv.t_s, event.t_s), 0, len(rv.t_s) - 1))
            pos = [float(rv.lon_deg[i]), float(rv.lat_deg[i]), float(rv.alt_m[i])]
        text = event.type.replace("_", " ") + (f" ({event.details['site']})" if "site" in event.details else "")
        colour = "crimson" if event.type == "warning" else "darkorange"
        packets.append(Packet(
            id=f"event/{k}", name=f"t = {event.t_s:.1f} s: {text}",
            description=html.escape(", ".join(f"{key} = {value}" for key, value in event.to_json().items())),
            availability=TimeInterval(start=_time(result, event.t_s), end=_time(result, event.t_s + EVENT_SHOW_S)),
            position=Position(cartographicDegrees=pos),
            point=Point(pixelSize=5, color=Color(rgba=_rgba(colour))),
            label=Label(text=text, font="11pt sans-serif", fillColor=Color(rgba=_rgba(colour)),
                        pixelOffset=Cartesian2Value(values=[12, 12])),
        ))
    return packets


def czml_document(result: RunResult) -> Document:
    """The run as a CZML document (see the module's docstring for what it holds)."""

    truth = result.truth
    t_end = truth.t_impact_s
    packets = [Packet(
        id="document", name=f"sprn: {result.scenario.name}", version="1.0",
        clock=Clock(interval=TimeInterval(start=_time(result, 0.0), end=_time(result, t_end)),
                    currentTime=_time(result, 0.0), multiplier=10, range=ClockRanges.LOOP_STOP,
                    step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER),
    )]
    rv = sample_truth(result, TRUTH_SAMPLES)
    packets.append(_moving_packet(result, "truth/rv", f"{truth.missile.name} (truth)", rv.t_s, rv.x[:, :3],
                                  RV_COLOUR, f"true flight: apogee {truth.apogee_m / 1000:.1f} km, range "
                                  f"{truth.range_m / 1000:.0f} km, impact at t = {t_end:.0f} s", width=3.0))
    booster = sample_booster(result)
    if booster is not None:
        packets.append(_moving_packet(result, "truth/booster", f"{truth.missile.name} spent booster (truth)",
                                      booster.t_s, booster.x[:, :3], BOOSTER_COLOUR, "spent booster after separation"))
    packets += _site_packets(result)
    hist = result.rv_history
    if len(hist) >= 2:
        t = np.array([e.t_s for e in hist])
        x = np.array([e.x for e in hist])
        packets.append(_moving_packet(result, "track/1", "track (command centre)", t, x[:, :3], TRACK_COLOUR,
                                      f"{len(hist)} updates from t = {t[0]:.0f} s"))
    first = result.output.first_detection_s
    for k, (assess, span) in enumerate(zip(result.output.assessments, _prediction_spans(result))):
        p = assess.prediction
        after = "" if first is None else f" (+{p.t_s - first:.0f} s after first detection)"
        packets.append(_ellipse_packet(
            result, f"impact/{k}", f"impact prediction at t = {p.t_s:.0f} s{after}", p, span, ELLIPSE_COLOUR,
            f"95 % ellipse {p.semi_major_km:.1f} x {p.semi_minor_km:.1f} km, predicted impact at t = "
            f"{p.t_impact_s:.0f} s, P(territory) = {assess.p_territory:.3f}" + (" - WARNING" if assess.threat else ""),
        ))
    if result.launch is not None:
        est = result.launch
        packets.append(_ellipse_packet(
            result, "launch/estimate", "launch-point estimate", est, (est.t_s, t_end), LAUNCH_COLOUR,
            f"95 % ellipse {est.semi_major_km:.1f} x {est.semi_minor_km:.1f} km; nearest known launch area "
            f"{html.escape(est.nearest_area)} ({est.nearest_area_km:.1f} km)",
        ))
    packets += _event_packets(result, rv)
    return Document(packets=packets)


def czml_text(result: RunResult) -> str:
    """The CZML document as JSON text."""
    return str(czml_document(result).dumps()) + "\n"


def _kml_coords(lon: np.ndarray, lat: np.ndarray, alt_m: np.ndarray | float = 0.0) -> list[tuple[float, float, float]]:
    alt = np.broadcast_to(np.asarray(alt_m, dtype=float), np.shape(lon))
    return [(float(a), float(b), float(c)) for a, b, c in zip(lon, lat, alt)]


def _kml_colour(colour: str, alpha: float = 1.0) -> str:
    """KML's ``aabbggrr`` hex colour."""
    r, g, b, a = _rgba(colour, alpha)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


def _kml_flight(folder: Any, name: str, s: Sampled, colour: str, width: float) -> None:
    """A flight's ground track (clamped to the ground) and 3D trajectory (absolute altitude) in a KML folder."""

    ground = folder.newlinestring(name=f"{name}: ground track", coords=_kml_coords(s.lon_deg, s.lat_deg))
    ground.altitudemode = simplekml.AltitudeMode.clamptoground
    ground.tessellate = 1
    ground.style.linestyle.color = _kml_colour(colour, 0.6)
    ground.style.linestyle.width = width
    flight = folder.newlinestring(name=f"{name}: 3D trajectory", coords=_kml_coords(s.lon_deg, s.lat_deg, s.alt_m))
    flight.altitudemode = simplekml.AltitudeMode.absolute
    flight.style.linestyle.color = _kml_colour(colour)
    flight.style.linestyle.width = width


def _kml_ellipse(folder: Any, result: RunResult, name: str, est: GroundEllipse, colour: str,
                 span: tuple[float, float] | None, description: str) -> None:
    """A 95 % ground ellipse as a KML polygon, shown over ``span`` (s after launch) if given."""
    lon, lat = ellipse_lonlat(est)
    poly = folder.newpolygon(name=name, description=description, outerboundaryis=_kml_coords(lon, lat))
    poly.tessellate = 1
    poly.style.linestyle.color = _kml_colour(colour)
    poly.style.linestyle.width = 2
    poly.style.polystyle.color = _kml_colour(colour, 0.15)
    if span is not None:
        poly.timespan.begin = _iso(result, span[0])
        poly.timespan.end = _iso(result, span[1])


def kml_text(result: RunResult) -> str:
    """The run as KML text (see the module's docstring for what it holds)."""

    truth = result.truth
    kml = simplekml.Kml(name=f"sprn: {result.scenario.name}")
    flights = kml.newfolder(name="Truth")
    _kml_flight(flights, truth.missile.name, sample_truth(result, TRUTH_SAMPLES), RV_COLOUR, 3.0)
    booster = sample_booster(result)
    if booster is not None:
        _kml_flight(flights, f"{truth.missile.name} spent booster", booster, BOOSTER_COLOUR, 1.5)
    impact = flights.newpoint(name="true impact", coords=[(truth.impact_lon_deg, truth.impact_lat_deg)],
                              description=f"t = {truth.t_impact_s:.0f} s")
    impact.timestamp.when = _iso(result, truth.t_impact_s)

    sites = kml.newfolder(name="Radar sites")
    colours = site_colours(result)
    alt_m = coverage_altitude_m(result, None)
    for site in result.scenario.sites:
        label = site_label(result, site.name)
        sites.newpoint(name=label, coords=[(site.lon_deg, site.lat_deg, site.alt_m)],
                       description=f"radar site {label}")
        lon, lat = coverage_wedge(site, alt_m)
        edge = sites.newlinestring(name=f"{label} coverage at {alt_m / 1000:.0f} km",
                                   coords=_kml_coords(lon, lat, alt_m))
        edge.altitudemode = simplekml.AltitudeMode.absolute
        edge.style.linestyle.color = _kml_colour(colours[site.name], 0.8)

    preds = kml.newfolder(name="Impact predictions (95 % ellipses)")
    first = result.output.first_detection_s
    for assess, span in zip(result.output.assessments, _prediction_spans(result)):
        p = assess.prediction
        after = "" if first is None else f" (+{p.t_s - first:.0f} s)"
        _kml_ellipse(preds, result, f"impact prediction at t = {p.t_s:.0f} s{after}", p, ELLIPSE_COLOUR, span,
                     f"95 % ellipse {p.semi_major_km:.1f} x {p.semi_minor_km:.1f} km; P(territory) = "
                     f"{assess.p_territory:.3f}")
    if result.launch is not None:
        est = result.launch
        launch = kml.newfolder(name="Launch point")
        _kml_ellipse(launch, result, "launch-point estimate", est, LAUNCH_COLOUR, None,
                     f"95 % ellipse {est.semi_major_km:.1f} x {est.semi_minor_km:.1f} km, made at t = {est.t_s:.0f} s;"
                     f" nearest known launch area {est.nearest_area} ({est.nearest_area_km:.1f} km)")
        launch.newpoint(name="true launch point", coords=[(truth.launch_lon_deg, truth.launch_lat_deg)])
    return str(kml.kml())


def export_files(result: RunResult, czml_name: str | None = None, kml_name: str | None = None) -> dict[str, str]:
    """The CZML and KML files asked for, file name to content."""
    out: dict[str, str] = {}
    if czml_name is not None:
        out[czml_name] = czml_text(result)
    if kml_name is not None:
        out[kml_name] = kml_text(result)
    return out


__all__ = ["czml_document", "czml_text", "export_files", "kml_text"]
