"""Procedure form figures (the procedures tile's form engine and field views, on the device).

A synthetic definition of 200 fields in 10 sections (deterministic): text fields with
patterns and lengths, textareas, integers with bounds, dates, selects, radios, checkboxes,
phone numbers, email addresses, postal codes, and 20 conditional fields (`show_if` on an
earlier radio or checkbox, every one shown by the documents below).

- compile_ms: the first `FormEngine.validate` after the compiled validators are forgotten
  (fastjsonschema compiles each field's schema once, then it is cached per procedure
  version), on the full valid document.
- validate_ms / validate_p95_ms: `validate` on the full valid document, median and 95th
  percentile of `repeat` runs after the compile.
- validate_errors_ms / validate_errors_p95_ms: the same on a document with an error in every
  fourth field (all reported at once).
- render_ms / render_p95_ms: building every control of the form with `form_views.form_controls`
  for a ViewContext without a page (Japanese, normal text size), as a re-render does.
- bare_ms / bare_p95_ms: the yardstick on the same machine: building 200 bare
  `ft.TextField(label=..., value=...)` in a `ft.Column`.

Figures, not assertions: they are read in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import flet as ft

from app.features.procedures.forms.definition import ProcedureDefinition, parse_definition
from app.features.procedures.forms.engine import FormEngine, clear_compiled
from app.features.procedures.forms.form_views import form_controls
from app.shell.context import ViewContext
from app.shell.feature_spec import Mode
from app.shell.registry import FeatureRegistry
from app.shell.settings import Settings
from app.shell.state import ShellState

FIELDS = 200
SECTIONS = 10
CONDITIONAL = 20
# Widget of each field by its position in a section (20 per section); positions 0 and 10
# control the conditional fields at positions 1 and 11 (radio) and 5 and 15 (checkbox).
PATTERN = ("radio", "text", "textarea", "number", "date", "checkbox", "select", "tel",
           "email", "postal_code", "radio", "text", "number", "date", "select", "checkbox",
           "text", "number", "textarea", "text")
CONTROLLED_BY = {1: 0, 11: 10, 6: 5, 16: 15}  # conditional position -> controlling position


def _labels(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def _schema(widget: str, index: int) -> dict[str, Any]:
    if widget in ("text", "textarea"):
        schema: dict[str, Any] = {"type": "string", "maxLength": 100 if widget == "text" else 1000}
        if index % 3 == 0:
            schema["pattern"] = "^[^0-9]*$"
            schema["x-error"] = _labels("数字は使えません。", "Digits are not allowed.")
        return schema
    if widget == "number":
        return {"type": "integer", "minimum": 0, "maximum": 999}
    if widget == "date":
        return {"type": "string", "format": "date"}
    if widget in ("radio", "select"):
        return {"type": "string", "enum": ["a", "b", "c"]}
    if widget == "checkbox":
        return {"type": "boolean"}
    if widget == "tel":
        return {"type": "string", "pattern": "^0[0-9-]{9,12}$"}
    if widget == "email":
        return {"type": "string", "format": "email", "maxLength": 254}
    return {"type": "string", "pattern": "^[0-9]{3}-[0-9]{4}$"}  # postal_code


def bench_definition() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    sections = []
    conditional = 0
    for s in range(SECTIONS):
        fields = []
        for position, widget in enumerate(PATTERN):
            index = s * len(PATTERN) + position
            name = f"f{index:03d}"
            properties[name] = _schema(widget, index)
            if index % 2 == 0:
                required.append(name)
            field: dict[str, Any] = {
                "field": name, "label": _labels(f"項目{index}", f"Item {index}"),
                "help": _labels("説明", "Help") if index % 5 == 0 else None, "widget": widget,
            }
            if field["help"] is None:
                del field["help"]
            if widget in ("radio", "select"):
                field["options"] = {v: _labels(f"選択{v}", f"Option {v}") for v in "abc"}
            controller = CONTROLLED_BY.get(position)
            if controller is not None and conditional < CONDITIONAL:
                controlling = f"f{s * len(PATTERN) + controller:03d}"
                field["show_if"] = ({"field": controlling, "equals": True}
                                    if PATTERN[controller] == "checkbox"
                                    else {"field": controlling, "in": ["a", "b"]})
                conditional += 1
            fields.append(field)
        sections.append({"id": f"s{s}", "title": _labels(f"区分{s}", f"Part {s}"),
                         "fields": fields})
    return {
        "format": 1, "id": "bench-form", "version": 1, "demo": True,
        "title": _labels("ベンチマーク用の手続き", "Benchmark procedure"),
        "department": "citizens", "completion": "online",
        "schema": {"type": "object", "additionalProperties": False,
                   "required": required, "properties": properties},
        "layout": {"sections": sections},
    }


def _good_value(widget: str) -> Any:
    return {"text": "津山太郎", "textarea": "津山市山北に住んでいます。", "number": 42,
            "date": "2026-04-01", "radio": "a", "select": "b", "checkbox": True,
            "tel": "0868-32-2111", "email": "taro@example.jp",
            "postal_code": "708-8501"}[widget]


def _bad_value(widget: str) -> Any:
    return {"text": "x" * 101, "textarea": "123", "number": 1000, "date": "2026-02-30",
            "radio": "z", "select": "z", "checkbox": "yes", "tel": "12",
            "email": "taro", "postal_code": "7088501"}[widget]


def documents(definition: ProcedureDefinition) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full valid document and one with an error in every fourth field (the
    controlling radios and checkboxes are kept valid, so the same fields are visible)."""
    valid = {f.name: _good_value(f.widget) for f in definition.fields}
    controlling = {f.show_if.field for f in definition.fields if f.show_if is not None}
    errors = dict(valid)
    for index, spec in enumerate(definition.fields):
        if index % 4 == 3 and spec.name not in controlling:
            errors[spec.name] = _bad_value(spec.widget)
    return valid, errors


def context() -> ViewContext:
    shell = ShellState(FeatureRegistry.load(), Mode.RESIDENT, Settings(language="ja"))
    return ViewContext.for_state(shell, navigate=lambda r: None, run_task=lambda *a: None)


def _timed(action: Callable[[], Any], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _bare_form(count: int) -> ft.Control:
    return ft.Column([ft.TextField(label=f"項目{i}", value="津山太郎", key=f"bare-{i}")
                      for i in range(count)])


def run(repeat: int = 30) -> dict[str, Any]:
    repeat = max(1, repeat)
    definition = parse_definition(bench_definition())
    engine = FormEngine(definition)
    valid, with_errors = documents(definition)
    visible = len(engine.visible_fields(valid))

    clear_compiled()
    engine = FormEngine(definition)
    started = time.perf_counter()
    first = engine.validate(valid)
    compile_ms = (time.perf_counter() - started) * 1000
    if first:
        raise AssertionError(f"the valid document has errors: {sorted(first)[:5]}")
    error_count = len(engine.validate(with_errors))

    validate_runs = _timed(lambda: engine.validate(valid), repeat)
    error_runs = _timed(lambda: engine.validate(with_errors), repeat)

    ctx = context()
    errors = engine.validate(with_errors)

    def render() -> list[ft.Control]:
        return form_controls(ctx, engine, with_errors, errors, frozenset(), frozenset(),
                             lambda _n, _v: None, lambda _n: None)

    render()  # warm-up: imports, translations
    render_runs = _timed(render, repeat)
    _bare_form(FIELDS)
    bare_runs = _timed(lambda: _bare_form(FIELDS), repeat)

    return {
        "benchmark": "forms",
        "fields": len(definition.fields),
        "conditional": sum(1 for f in definition.fields if f.show_if is not None),
        "visible": visible,
        "errors": error_count,
        "repeat": repeat,
        "compile_ms": round(compile_ms, 2),
        "validate_ms": round(statistics.median(validate_runs), 3),
        "validate_p95_ms": round(_percentile(validate_runs, 0.95), 3),
        "validate_errors_ms": round(statistics.median(error_runs), 3),
        "validate_errors_p95_ms": round(_percentile(error_runs, 0.95), 3),
        "render_ms": round(statistics.median(render_runs), 2),
        "render_p95_ms": round(_percentile(render_runs, 0.95), 2),
        "bare_ms": round(statistics.median(bare_runs), 2),
        "bare_p95_ms": round(_percentile(bare_runs, 0.95), 2),
        "render_over_bare": round(statistics.median(render_runs)
                                  / max(statistics.median(bare_runs), 1e-9), 2),
        "python": platform.python_version(),
        "flet": ft.__version__ if hasattr(ft, "__version__") else "",
        "cpus": os.cpu_count(),
    }
