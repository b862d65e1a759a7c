"""pydantic v2 models: `*In` for request bodies/queries, `*Out` for responses."""
