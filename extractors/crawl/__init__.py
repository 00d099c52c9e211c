"""The polite crawler of government sites' report columns."""
