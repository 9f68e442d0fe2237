"""Audiences: groups of residents a household's facts put a person in (home_profile.audiences).

Targeted notices and the "audience:<name>" sync streams use them; a tile may put its tile
first on the home screen for an audience (`HomeHint.first_for`, backend/tiles/spec.py).
"""

from __future__ import annotations

AUDIENCE_PARENTS = "parents"  # parents of a school-age child (6-15) in their household
AUDIENCE_AGE75PLUS = "age75plus"  # residents aged 75 or more (後期高齢者)
# In the order their promoted tiles come first on the home screen.
AUDIENCES: tuple[str, ...] = (AUDIENCE_PARENTS, AUDIENCE_AGE75PLUS)
