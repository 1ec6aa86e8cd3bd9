"""NLU evaluation harness: candidate pipelines scored side by side on held-out data."""
