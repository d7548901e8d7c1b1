"""Inspection reports rendered on the server (PDF)."""
