"""The owner's phone pages of community life (/app/community/…)."""
