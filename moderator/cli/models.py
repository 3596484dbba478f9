"""``moderator models list|trust|untrust``: which model files moderator loads (a model file is a pickle)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from moderation_core.errors import UsageError
from moderation_core.textsafe import dumps, one_line
from moderator.cli.options import Formatter
from moderator.cli.output import write
from moderator.cli.render import model_card_lines, trusted_models_table

if TYPE_CHECKING:
    from collections.abc import Callable

    from moderator.cli.options import Subcommands


def register(commands: Subcommands) -> None:
    from classifiers.trust import store_path  # the trust store alone: no scikit-learn

    parser = commands.add_parser(
        "models",
        formatter_class=Formatter,
        help="list the trusted models, trust or untrust a model folder",
        description="A model file is a pickle: loading it runs code. So moderator loads only models it trusts:\n"
        "the bundled one (its sha256 is pinned in the code), the ones this installation trained, and the\n"
        f"ones trusted with 'moderator models trust'. The trusted sha256 digests are kept in\n{store_path()}.",
        epilog="examples:\n"
        "  moderator models list\n"
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
        help="list the trusted model digests, where they came from and when",
        description="List the bundled model's pinned sha256 and every digest of the trust store: trained by\n"
        "this installation or trusted by the user, with the folder and the time it was added.",
        epilog="examples:\n  moderator models list\n  moderator models list --json\n",
    )
    listing.add_argument("--json", action="store_true", help='print {"store": PATH, "models": [...]}')
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
    if args.json:
        write(dumps({"store": str(store), "models": rows}, indent=2) + "\n")
    else:
        write(trusted_models_table(rows, store, exists=store.exists()) + "\n")
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
    from classifiers.persist import inspect_model, read_card
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
