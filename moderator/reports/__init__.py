"""Moderation reports from decision logs, and the tag export: plain Python over the log's effective decisions.

- :mod:`.data`: what a report says, computed once (threads, authors, model versus moderators, agreement, timeline);
- :mod:`.agreement`: agreement between moderators (Cohen's kappa per pair, Krippendorff's alpha, nominal);
- :mod:`.pseudonym`: stable keyed pseudonyms for reports that leave the team;
- :mod:`.render` (Markdown, CSV, JSON) and :mod:`.html` (Jinja2, ``templates/report.html.j2``): the layouts;
- :mod:`.tags`: what the effective decisions imply as Bugzilla comment tags and GitHub hide reasons.
"""
