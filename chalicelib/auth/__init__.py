"""Who is calling: passwords, tokens, the principal and role declarations."""
