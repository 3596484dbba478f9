"""The review screen: a Textual app over :mod:`moderator.review`."""
