"""The import contracts (pyproject.toml, `lint-imports`) cover what they claim to cover.

`lint-imports` itself runs in `make test`; these tests keep its configuration honest: every
view module is a source of the views contract and every repository one of its forbidden
modules, whatever they are named.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp
from importlinter.domain.helpers import module_expressions_to_modules
from importlinter.domain.imports import ModuleExpression

ROOT = Path(__file__).resolve().parents[2]


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract.get("id") == contract_id:
            return contract
    raise AssertionError(f"no import contract {contract_id!r} in pyproject.toml")


def _is_view_module(module: str) -> bool:
    return any(part.endswith(("view", "views")) for part in module.split(".")[1:])


def test_every_view_module_is_a_source_of_the_views_contract():
    graph = grimp.build_graph("app")
    contract = _contract("views-only-render")
    covered = {m.name for m in module_expressions_to_modules(
        graph, [ModuleExpression(e) for e in contract["source_modules"]], as_packages=True)}
    views = {m for m in graph.modules if _is_view_module(m)}
    assert views, "no view modules found: the naming convention changed"
    assert views - covered == set(), (
        "view modules outside the views contract; add their pattern to source_modules")


def test_every_app_repository_is_forbidden_to_views():
    graph = grimp.build_graph("app")
    contract = _contract("views-only-render")
    forbidden = {m.name for m in module_expressions_to_modules(
        graph, [ModuleExpression(e) for e in contract["forbidden_modules"]
                if e.startswith("app.")], as_packages=True)}
    repositories = {m for m in graph.modules
                    if m.startswith("app.features.") and m.endswith("repository")}
    assert repositories, "no repository modules found: the naming convention changed"
    assert repositories - forbidden == set(), (
        "repositories views could import; add their pattern to forbidden_modules")


def test_the_views_contract_forbids_the_store_the_client_and_sql():
    forbidden = set(_contract("views-only-render")["forbidden_modules"])
    assert {"offline_store", "backend_client", "httpx", "sqlite3", "sqlalchemy",
            "sqlmodel"} <= forbidden
