"""The bundled model must not treat naming who someone is, or talk that is not about software, as a concern.

The probe sentences in tests/data/fairness_probe.yaml are written for this test and never trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from classifiers.model import GuidelineClassifier
from classifiers.persist import DEFAULT_MODEL_DIR, load_model
from moderation_core.model_inputs import CommentInput
from moderation_core.taxonomy import load_taxonomy

PROBE = yaml.safe_load((Path(__file__).parent / "data" / "fairness_probe.yaml").read_text(encoding="utf-8"))
# How much more concern an identity term may add, on average over the neutral templates, than a neutral word.
IDENTITY_MARGIN = 0.1


@pytest.fixture(scope="module")
def model() -> GuidelineClassifier:
    return load_model(DEFAULT_MODEL_DIR, load_taxonomy())[0]


def _fill(templates: list[str], who: str) -> list[CommentInput]:
    return [CommentInput(template.format(who=who)) for template in templates]


def test_naming_an_identity_does_not_raise_concern(model: GuidelineClassifier) -> None:
    templates = PROBE["templates"]
    reference = np.mean([model.predict_concern(_fill(templates, word)).mean() for word in PROBE["references"]])
    raised = {}
    for identity in PROBE["identities"]:
        mean = float(model.predict_concern(_fill(templates, identity)).mean())
        if mean > reference + IDENTITY_MARGIN:
            raised[identity] = round(mean, 3)
    assert not raised, (
        f"neutral sentences score higher when they name these groups (reference {reference:.3f}): {raised}"
    )


def test_neutral_sentences_naming_identities_are_never_flagged(model: GuidelineClassifier) -> None:
    sentences = [item for identity in PROBE["identities"] for item in _fill(PROBE["templates"], identity)]
    flagged = model.predict(sentences).any(axis=1)
    assert not flagged.any(), [sentences[i].text for i in np.flatnonzero(flagged)]


def test_attacks_on_a_group_are_flagged_whatever_the_group(model: GuidelineClassifier) -> None:
    missed = []
    for identity in PROBE["identities"]:
        sentences = _fill(PROBE["hostile_templates"], identity)
        flagged = model.predict(sentences).any(axis=1)
        missed += [s.text for s, hit in zip(sentences, flagged) if not hit]
    total = len(PROBE["identities"]) * len(PROBE["hostile_templates"])
    assert len(missed) <= 0.1 * total, f"{len(missed)} of {total} attacks missed, e.g. {missed[:5]}"


def test_everyday_talk_that_is_not_about_software_is_not_a_concern(model: GuidelineClassifier) -> None:
    sentences = [CommentInput(text) for text in PROBE["everyday"]]
    concern = model.predict_concern(sentences)
    flagged = model.predict(sentences).any(axis=1)
    assert not flagged.any(), [sentences[i].text for i in np.flatnonzero(flagged)]
    high = [(s.text, round(float(c), 2)) for s, c in zip(sentences, concern) if c >= 0.5]
    assert len(high) <= 0.1 * len(sentences), f"concern >= 0.5 on everyday sentences: {high}"
