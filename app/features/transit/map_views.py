"""A result drawn on a map (flet-map): the rides as lines through the stops they pass, the
walks as dotted lines, the stops as dots. Tiles come from the city's tile server when one
is configured (`TSUYAMA_MAP_TILES_URL`); without one, or with none reachable, everything is
still drawn on a plain background. The legs' text list above it always says the same."""

from __future__ import annotations

import flet as ft
import flet_map as fm

from app.features.transit.state import TransitState
from app.shell.context import ViewContext


def journey_map(ctx: ViewContext, state: TransitState, index: int) -> ft.Control:
    t, m, p = ctx.t, ctx.metrics, ctx.palette
    lines = state.route_lines(index)
    points = [point for _, line in lines for point in line]
    if not points:
        return ft.Text(t("Nothing to draw on the map."), size=m.body_size, key=f"map-{index}")
    polylines = [fm.PolylineMarker(
        coordinates=[fm.MapLatitudeLongitude(lat, lon) for lat, lon in line],
        color=p.primary if ride else p.on_surface, stroke_width=5 if ride else 3,
        stroke_pattern=None if ride else fm.DottedStrokePattern())
        for ride, line in lines]
    circles = [fm.CircleMarker(coordinates=fm.MapLatitudeLongitude(lat, lon), radius=6,
                               color=p.surface, border_color=p.primary,
                               border_stroke_width=2) for lat, lon in points]
    layers: list[fm.MapLayer] = []
    if state.map_tiles_url:
        layers.append(fm.TileLayer(url_template=state.map_tiles_url))
    layers += [fm.PolylineLayer(polylines=polylines), fm.CircleLayer(circles=circles)]
    south, north = min(q[0] for q in points), max(q[0] for q in points)
    west, east = min(q[1] for q in points), max(q[1] for q in points)
    return ft.Semantics(
        key=f"map-{index}", label=t("Map of this route (the list above says the same)"),
        container=True,
        content=ft.Container(
            height=m.body_size * 18, border=ft.Border.all(1, p.outline),
            border_radius=ft.BorderRadius.all(8), bgcolor=p.surface,
            content=fm.Map(
                layers=layers, bgcolor=p.surface,
                initial_center=fm.MapLatitudeLongitude((south + north) / 2, (west + east) / 2),
                initial_camera_fit=fm.CameraFit(
                    bounds=fm.MapLatitudeLongitudeBounds(
                        fm.MapLatitudeLongitude(south, west),
                        fm.MapLatitudeLongitude(north, east)),
                    padding=ft.Padding.all(24)),
            )))
