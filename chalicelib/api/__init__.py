"""HTTP blueprints: each route translates HTTP to one service call."""
