"""Scoring extraction against ground truth (`ogi eval`)."""
