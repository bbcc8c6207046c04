"""Opportunity history: `recording` (every change of the tracked fields, and a row per deal
and stage), `stalled` (the stalled flag and its daily digest), `backfill` (history for deals
from before the app, from their Version log)."""
