"""Placeholder: filled by the mutation-testing work (issue 18)."""
