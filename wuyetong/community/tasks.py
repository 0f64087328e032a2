"""Scheduled community-life jobs. Each takes an explicit `now` so tests control the clock;
beat (or the embedded scheduler) calls them without one."""
