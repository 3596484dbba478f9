"""The pure helpers of scripts/bench_learning_curve.py: the split, the points, the uncertain order, macro F1 and
the SVG. The benchmark itself needs ../shared and minutes of training: it is run by hand, not here."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_learning_curve.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_learning_curve", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_the_split_is_stable_and_near_its_share() -> None:
    ids = [f"owner/repo#{n}" for n in range(2000)]
    first = [bench.is_decided(i) for i in ids]
    assert first == [bench.is_decided(i) for i in ids]
    assert all(0.0 <= bench.decided_bucket(i) <= 1.0 for i in ids)
    assert 0.65 < sum(first) / len(ids) < 0.75
    assert bench.is_decided("x", share=1.0) and not bench.is_decided("x", share=0.0)


def test_points_are_sorted_capped_and_all_is_the_total() -> None:
    assert bench.parse_points("1000, 0,all,300,300", 500) == [0, 300, 500]
    assert bench.parse_points("100", 50) == [50]
    with pytest.raises(ValueError, match="neither a number"):
        bench.parse_points("0,many", 10)
    with pytest.raises(ValueError, match="no point"):
        bench.parse_points(" , ", 10)


def test_uncertain_order_is_the_review_queue_rule() -> None:
    thresholds = [0.5, 0.8]
    proba = [[0.1, 0.1], [0.45, 0.0], [0.9, 0.79], [0.0, 0.0]]
    assert bench.uncertainty(proba[2], thresholds) == pytest.approx(0.01)
    assert bench.uncertain_first(proba, thresholds) == [2, 1, 0, 3]
    assert bench.uncertainty([0.3], []) == 1.0


def test_macro_f1_averages_the_labels_that_occur() -> None:
    targets = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]]
    predicted = [[True, False, True], [False, False, False], [False, True, False], [True, False, False]]
    macro, per_label = bench.macro_f1(targets, predicted)
    assert per_label[0] == pytest.approx(0.5) and per_label[1] == pytest.approx(1.0)
    assert per_label[2] != per_label[2]  # no positive: NaN, left out of the mean
    assert macro == pytest.approx(0.75)
    assert bench.macro_f1([[0]], [[True]]) == (None, [pytest.approx(float("nan"), nan_ok=True)])


def test_out_folder_inside_the_repository_is_recognised(tmp_path: Path) -> None:
    root = SCRIPT.parents[1]
    assert bench.inside(root / "scripts" / "x", root) and bench.inside(root, root)
    assert not bench.inside(tmp_path, root)


def test_the_svg_is_well_formed_with_a_polyline_per_series() -> None:
    series = [
        bench.Series("random", "#1f77b4", {0: 0.74, 100: 0.75, 1000: 0.8}, {0: (0.73, 0.75), 100: (0.74, 0.76)}),
        bench.Series("uncertain", "#d62728", {0: 0.74, 1000: 0.82}),
    ]
    document = bench.svg_document([(series, "AUC", "concern_roc_auc"), (series[:1], "F1", "macro_f1")], [0, 100, 1000])
    root = ElementTree.fromstring(document)
    polylines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(polylines) == 3
    assert len(polylines[0].attrib["points"].split()) == 3
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1000" in texts and "random" in texts and "AUC" in texts
