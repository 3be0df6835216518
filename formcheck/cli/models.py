"""`formcheck models` (placeholder until implemented)."""
