"""The start-up benchmark's yardstick: a bare Flet app with one button, served the way
`python -m app` serves the portal (web mode on 127.0.0.1, `no_cdn=True`).

`python -m tests.bench.bare_flet_app --port N`; Ctrl-C (or SIGTERM) stops it.
"""

from __future__ import annotations

import argparse

import flet as ft


def main(page: ft.Page) -> None:
    page.title = "bare"
    page.add(ft.Button("Bench"))


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bare_flet_app")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    ft.run(main, view=ft.AppView.WEB_BROWSER, host="127.0.0.1", port=args.port, no_cdn=True)


if __name__ == "__main__":
    run()
