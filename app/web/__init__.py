"""Serving the web client (ADR 0029): Flet's own ASGI app wrapped so a first visit downloads
little, compressed, from this server only, and shows Japanese from its first frame.

- `server`: builds the wrapped app and runs it with uvicorn (what `python -m app` serves);
- `first_load`: Flutter's font manifest with the fonts of the start language, and preload
  links for them in the page;
- `compression`: gzip for what the server sends, each file compressed once.
"""
