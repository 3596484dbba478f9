"""``moderator models list|trust|untrust``: which model files moderator loads (a model file is a pickle)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import dumps, one_line
from moderator.cli.options import Formatter
from moderator.cli.output import write
from moderator.cli.render import model_card_lines, trusted_models_table
from moderator.modelstore import MODEL_ENV, ModelStore, ModelVersion

if TYPE_CHECKING:
    from collections.abc import Callable

    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    from classifiers.trust import store_path  # the trust store alone: no scikit-learn
    from moderator.modelstore import default_root

    parser = commands.add_parser(
        "models",
        formatter_class=Formatter,
        help="list the model versions and trusted models, choose or compare versions, trust a model folder",
        description="Model versions: the models this installation trained are kept under their id (name@sha256\n"
        f"prefix) in {default_root()}; 'use' chooses the one that scoring,\n"
        "review and decide use (unless --model or $MODERATOR_MODEL names another); the bundled model is a\n"
        "version too, in use until another is chosen.\n\n"
        "A model file is a pickle: loading it runs code. So moderator loads only models it trusts:\n"
        "the bundled one (its sha256 is pinned in the code), the ones this installation trained, and the\n"
        f"ones trusted with 'moderator models trust'. The trusted sha256 digests are kept in\n{store_path()}.",
        epilog="examples:\n"
        "  moderator models list\n"
        "  moderator models use guideline-classifier@3f5a0c1d2e4b\n"
        "  moderator models diff guideline-classifier@8cc4ba2f1fe1 guideline-classifier@3f5a0c1d2e4b\n"
        "  moderator models trust ~/Downloads/community-model\n"
        "  moderator models untrust ~/Downloads/community-model\n",
    )
    actions = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    trust = actions.add_parser(
        "trust",
        formatter_class=Formatter,
        help="show a model folder's card and trust its model file",
        description="Show the model card (name, when trained, corpora, labels, libraries, the file's sha256),\n"
        "then ask whether to trust the model file. Trust only a model from someone you trust:\n"
        "loading it runs whatever code its author put in it.",
        epilog="examples:\n"
        "  moderator models trust ~/Downloads/community-model\n"
        "  moderator models trust /srv/models/2026-05 --yes     # no question (scripts); inspect the card first\n",
    )
    trust.add_argument("dir", metavar="DIR", help="model folder (model.joblib and model-card.yaml)")
    trust.add_argument(
        "--yes", "-y", action="store_true", help="trust without asking (needed when standard input is not a terminal)"
    )
    listing = actions.add_parser(
        "list",
        formatter_class=Formatter,
        help="list the model versions (which is in use) and the trusted model digests",
        description="First the model versions: the bundled model, then those of the model store, each with its\n"
        "id, when it was trained, what on, its cross-validated concern AUC and macro F1, whether its file is\n"
        "trusted here, and '*' before the one in use. Then the bundled model's pinned sha256 and every digest\n"
        "of the trust store: trained by this installation or trusted by the user, with the folder and the\n"
        "time it was added.",
        epilog="examples:\n  moderator models list\n  moderator models list --json\n",
    )
    listing.add_argument(
        "--json",
        action="store_true",
        help='print {"store": PATH, "models": [...], "versions_folder": PATH, "versions": [...], "active": ID}',
    )
    use = actions.add_parser(
        "use",
        formatter_class=Formatter,
        help="choose the model version that scoring, review and decide use",
        description="Make the version ID (as 'moderator models list' shows it) the model in use: score, review,\n"
        "decide and evaluate load it unless --model or $MODERATOR_MODEL names another folder. Choosing the\n"
        "bundled model's id goes back to the bundled model.",
        epilog="examples:\n"
        "  moderator models use guideline-classifier@3f5a0c1d2e4b\n"
        "  moderator models use guideline-classifier@8cc4ba2f1fe1      # the bundled model again\n",
    )
    use.add_argument("id", metavar="ID", help="a model version's id (name@sha256 prefix)")
    diff = actions.add_parser(
        "diff",
        formatter_class=Formatter,
        help="compare two model versions: data, thresholds and per-label figures",
        description="Show two versions side by side, as their model cards state them: the corpora and logs they\n"
        "were trained on with their example counts, each label's threshold and the review threshold, and each\n"
        "label's cross-validated precision, recall, F1 and ROC AUC, then concern AUC and macro F1.\n"
        "A '*' marks the rows that differ.",
        epilog="examples:\n"
        "  moderator models diff guideline-classifier@8cc4ba2f1fe1 guideline-classifier@3f5a0c1d2e4b\n"
        "  moderator models diff A B --json\n",
    )
    diff.add_argument("a", metavar="A", help="a model version's id")
    diff.add_argument("b", metavar="B", help="another model version's id")
    diff.add_argument("--json", action="store_true", help='print {"a": ID, "b": ID, "rows": [...]}')
    untrust = actions.add_parser(
        "untrust",
        formatter_class=Formatter,
        help="stop trusting a model folder or a sha256",
        description="Remove a model from the trust store, named by its folder or by the sha256 'models list' shows.",
        epilog="examples:\n"
        "  moderator models untrust ~/Downloads/community-model\n"
        "  moderator models untrust 3f5a…(the 64 hex digits of 'moderator models list')\n",
    )
    untrust.add_argument("target", metavar="DIR|SHA256", help="model folder, or the sha256 of its model file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "trust": trust_model,
        "list": list_models,
        "use": use_version,
        "diff": diff_versions,
        "untrust": untrust_model,
    }
    return commands[args.models_command](args)


def trust_model(args: argparse.Namespace) -> int:
    from classifiers import trust
    from classifiers.persist import inspect_model, require_trusted

    checked = inspect_model(args.dir)  # the card's shape and the file's sha256 against it; nothing unpickled
    write("\n".join(model_card_lines(checked)) + "\n")
    if checked.bundled:
        require_trusted(checked)  # the bundled folder is trusted by the pinned digest only, never by the store
        write("the bundled model is trusted by the sha256 pinned in moderator's code; nothing to do\n")
        return 0
    if trust.is_trusted(checked.sha256):
        write("already trusted (see 'moderator models list'); nothing to do\n")
        return 0
    if not args.yes and not _user_agrees(args.dir):
        write("not trusted; nothing changed\n")
        return 1
    trust.add(checked.sha256, source="trusted", folder=checked.folder, model=str(checked.card.get("model", "model")))
    write(f"trusted sha256 {checked.sha256} (in {trust.store_path()})\n")
    return 0


def _user_agrees(folder: str) -> bool:
    """The user's answer to "Trust this model?"; asking needs a terminal (a script passes --yes)."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"{folder}: cannot ask whether to trust this model (standard input is not a terminal); "
            "inspect the card above and pass --yes to trust it"
        )
    try:
        answer = input("Trust this model? [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def list_models(args: argparse.Namespace) -> int:
    from classifiers import trust  # not classifiers.persist: listing needs no scikit-learn

    bundled = {
        "sha256": trust.BUNDLED_MODEL_SHA256,
        "source": "bundled",
        "path": str(trust.BUNDLED_MODEL_DIR),
        "model": "guideline-classifier",
        "added": "(pinned in the code)",
    }
    rows = [bundled] + [
        {"sha256": e.sha256, "source": e.source, "path": e.path, "model": e.model, "added": e.added}
        for e in trust.read_store()
    ]
    store = trust.store_path()
    model_store = ModelStore()
    versions = model_store.versions()
    sources = {entry.sha256: entry.source for entry in trust.read_store()}
    in_use = next((version.id for version in versions if version.active), None)
    if args.json:
        document = {
            "store": str(store),
            "models": rows,
            "versions_folder": str(model_store.root),
            "versions": [_version_json(version, sources) for version in versions],
            "active": in_use,
        }
        write(dumps(document, indent=2) + "\n")
        return 0
    write(_versions_table(versions, sources, model_store.root) + "\n")
    if in_use is None:
        write(
            f"no version in use: {model_store.active_file} names {one_line(model_store.chosen_id() or '', 100)}, "
            "which is not in the store; choose one with 'moderator models use ID'\n"
        )
    write("\n" + trusted_models_table(rows, store, exists=store.exists()) + "\n")
    return 0


def _trust_state(version: ModelVersion, sources: dict[str, str]) -> str:
    """Why the version's model file may be loaded: bundled (the pinned digest), trained or trusted (the trust
    store's entry), or untrusted."""
    from classifiers import trust

    if version.sha256 == trust.BUNDLED_MODEL_SHA256:
        return "bundled"
    return sources.get(version.sha256, "untrusted")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _versions_table(versions: list[ModelVersion], sources: dict[str, str], root: Path) -> str:
    """One line per version ('*' before the one in use), then where the versions are kept. Card values are
    data: each goes through one_line."""
    lines = [f"  {'id':34}  {'trained':25}  {'concern AUC':11}  {'macro F1':8}  {'trust':9}  data"]
    for version in versions:
        lines.append(
            f"{'*' if version.active else ' '} {one_line(version.id, 34):34}  {one_line(version.trained, 25):25}  "
            f"{_figure(version.concern_auc):11}  {_figure(version.macro_f1):8}  {_trust_state(version, sources):9}  "
            f"{one_line(version.data_summary(), 100)}"
        )
    lines.append(
        f"model versions: {root}{'' if root.is_dir() else ' (none yet)'}; * = in use ('moderator models use ID')"
    )
    return "\n".join(lines)


def _version_json(version: ModelVersion, sources: dict[str, str]) -> dict[str, object]:
    return {
        "id": version.id,
        "folder": str(version.folder),
        "sha256": version.sha256,
        "trained": version.trained,
        "data": [{"name": s.name, "kind": s.kind, "examples": s.examples} for s in version.data],
        "concern_auc": version.concern_auc,
        "macro_f1": version.macro_f1,
        "bundled": version.bundled,
        "active": version.active,
        "trust": _trust_state(version, sources),
    }


def use_version(args: argparse.Namespace) -> int:
    version = ModelStore().use(args.id)
    write(f"model in use: {one_line(version.id, 100)} ({one_line(str(version.folder), 200)})\n")
    if os.environ.get(MODEL_ENV):
        write(f"note: ${MODEL_ENV} is set ({one_line(os.environ[MODEL_ENV], 200)}) and still comes first\n")
    return 0


def diff_versions(args: argparse.Namespace) -> int:
    rows = ModelStore().diff(args.a, args.b)
    if args.json:
        shown = [{"section": r.section, "name": r.name, "a": r.a, "b": r.b, "changed": r.changed} for r in rows]
        write(dumps({"a": args.a, "b": args.b, "rows": shown}, indent=2) + "\n")
        return 0
    # Card values are data: every cell goes through one_line (labels and names come from the cards).
    cells = [
        (row.changed, one_line(f"{row.section} {row.name}", 80), one_line(row.a, 60), one_line(row.b, 60))
        for row in rows
    ]
    name_width = max(len(name) for _, name, _, _ in cells)
    value_width = max(12, *(len(a) for _, _, a, _ in cells))
    lines = [f"  {'':{name_width}}  {'A':{value_width}}  B"]
    for changed, name, a, b in cells:
        lines.append(f"{'*' if changed else ' '} {name:{name_width}}  {a:{value_width}}  {b}")
    write("\n".join(lines) + "\n")
    return 0


def untrust_model(args: argparse.Namespace) -> int:
    from classifiers import trust

    digests = _digests_named(args.target)
    if trust.BUNDLED_MODEL_SHA256 in digests:
        raise UsageError(
            f"{one_line(args.target)}: the bundled model is trusted by the sha256 pinned in moderator's code; "
            "it cannot be untrusted"
        )
    removed = trust.remove(digests)
    if not removed:
        raise UsageError(
            f"{one_line(args.target)}: not in the trust store {trust.store_path()} (see 'moderator models list')"
        )
    for entry in removed:
        write(
            f"untrusted sha256 {entry.sha256} ({entry.source} {one_line(entry.added)}, {one_line(entry.path, 120)})\n"
        )
    return 0


def _digests_named(target_text: str) -> set[str]:
    """The sha256 digests ``untrust`` removes: the one given, a model folder's, or those recorded for a folder
    that is gone."""
    from classifiers import trust
    from classifiers.card import read_card
    from classifiers.persist import inspect_model
    from moderation_core.errors import ModelError

    target = Path(target_text)
    if trust.is_sha256(target_text.lower()) and not target.exists():
        return {target_text.lower()}
    if target.is_dir():
        digests = {read_card(target)["artifact"]["sha256"]}
        try:
            digests.add(inspect_model(target).sha256)  # the file as it is now, if it differs from its card
        except ModelError:
            pass
        return digests
    return {e.sha256 for e in trust.read_store() if e.path == str(target.resolve())}  # a folder that is gone
