"""Tsuyama Portal (つやまポータル): the Flet application."""
