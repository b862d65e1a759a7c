"""Stream handlers: each record handled on its own, effects idempotent, bad records parked (see records.py)."""
