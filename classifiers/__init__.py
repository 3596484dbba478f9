"""The machine-learning core of moderator: features, models, training and evaluation.

It never imports textual or anything of the user interface (a test enforces it), so it can run in batch jobs.
"""
