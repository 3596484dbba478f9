"""One widget or screen per module."""
