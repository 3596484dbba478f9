"""What every layer shares, importing nothing of its own but ``labels``: the thread model (``thread``), how a
comment's text splits into own words and quotes (``segmentation``), the taxonomy of guideline labels
(``taxonomy``), what the model sees of each comment, built one way for training and scoring
(``model_inputs``), the one error family (``errors``), safe YAML (``yamlsafe``), text made safe to show
(``textsafe``) and regular-file reading (``files``).

The layers above it, from the bottom: ``classifiers`` (the model), ``moderator.sources`` and
``moderator.scoring``, ``moderator.log``, ``moderator.review``, and the interfaces ``moderator.tui`` and
``moderator.cli``. The contracts in pyproject.toml (``[tool.importlinter]``) enforce that order.
"""
