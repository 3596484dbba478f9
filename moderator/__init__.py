"""moderator: a conduct-guideline moderation assistant for technical communities."""

__version__ = "0.1.0"
