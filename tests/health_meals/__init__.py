"""Labelled test meals drawn with OpenCV (`generate.py`): the meal-photo pipeline's test
images, with the true mask of every food region (docs/health.md, "Meal photos")."""
