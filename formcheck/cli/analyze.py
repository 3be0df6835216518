"""`formcheck analyze` (placeholder until implemented)."""
