"""PynamoDB models (one per table) and the repository functions that use them."""
