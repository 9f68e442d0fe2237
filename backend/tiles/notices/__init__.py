"""Notices tile (お知らせ) on the server side."""
