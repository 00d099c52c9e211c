"""Printed labels to canonical keys: normalisation (`normalize`) and fuzzy matching (`matching`)."""
