"""`formcheck synth` (placeholder until implemented)."""
