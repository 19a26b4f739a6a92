"""Command line: `python -m service run|models|evaluate ...` — a thin layer over the library.

Errors the user can act on (bad input, missing models) print one clear line and exit non-zero;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from service.errors import ModelUnavailable, ServiceError
from service.languages import SOURCE_LANGUAGES
from service.models.sets import ModelSet, builtin_names, load_model_set
from service.options import LENGTHS, MODES
from service.settings import Settings, SettingsError

EXIT_BAD_INPUT = ServiceError.exit_code + 1  # = InputError.exit_code
EXIT_MODEL = ModelUnavailable.exit_code


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="summarise and translate an article (a file, a link, several of both, or - for stdin)"
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="FILE|URL",
        help="article file(s) (.txt .md .html .pdf .docx), links (https://…), a folder, or -",
    )
    p.add_argument(
        "--models", help=f"model set: {', '.join(builtin_names())} or a TOML file ($SERVICE_MODELS)"
    )
    p.add_argument("--length", choices=list(LENGTHS), default="medium")
    p.add_argument("--mode", choices=list(MODES), default="summary")
    p.add_argument("--source-language", choices=list(SOURCE_LANGUAGES), default="auto")
    p.add_argument(
        "--json",
        action="store_true",
        help="print Result.to_dict() as JSON (several inputs: one record per line; --ray: the run's summary.json)",
    )
    p.add_argument(
        "--keep-all",
        action="store_true",
        help="keep every line as story: no furniture removal (bylines, captions …), no headline",
    )
    p.add_argument("--out", type=Path, help="write one result per file into this folder (batch mode)")
    p.add_argument(
        "--glossary",
        type=Path,
        metavar="FILE",
        help="names rendered as given in every language: CSV/TSV with header en,ko,ja, or TOML",
    )
    from service.cluster import add_arguments as add_cluster_arguments

    add_cluster_arguments(p)


def _add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="build, download or list model sets")
    msub = p.add_subparsers(dest="models_command", required=True)
    tiny = msub.add_parser("tiny", help="build a tiny random-weight model set (all five families)")
    tiny.add_argument("out_dir", type=Path)
    tiny.add_argument("--engine", choices=["transformers", "ctranslate2"], default="transformers")
    fetch = msub.add_parser("fetch", help="download a model set's models ahead of time")
    fetch.add_argument(
        "model_set", nargs="?", default=None, help="set name or TOML file (default: $SERVICE_MODELS)"
    )
    msub.add_parser("list", help="list built-in model sets and their models")


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="score a model set on source/reference pairs (BLEU, chrF, ROUGE)")
    p.add_argument("--models", help="model set name or TOML file")
    p.add_argument("--data", required=True, type=Path, help="JSONL or TSV of source/reference pairs")
    p.add_argument(
        "--task", choices=["en-ko", "en-ja", "ko-en", "ja-en", "summarise"], help="(default: from file)"
    )
    p.add_argument("--limit", type=int, help="evaluate only the first N items")
    p.add_argument(
        "--length", choices=list(LENGTHS), default="medium", help="summary length (summarise task)"
    )
    p.add_argument("--json", action="store_true")


def _add_textcheck(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "textcheck", help="score sentence splitting and furniture removal on the news-page corpus (no models)"
    )
    p.add_argument("--data", type=Path, help="folder of news-page JSON files (default: evaluation/data/news)")
    p.add_argument("--errors", action="store_true", help="also list every miss (kept furniture, wrong cuts)")
    p.add_argument("--json", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_models(sub)
    _add_evaluate(sub)
    _add_textcheck(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the environment is read here, once (`Settings.from_env()`), and passed down."""
    args = build_parser().parse_args(argv)
    try:
        args.settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return COMMANDS[args.command](args)
    except ServiceError as exc:  # each error class carries its exit code (service.errors)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _pipeline(args: argparse.Namespace):
    """The run's pipeline: `--models`, else `SERVICE_MODELS`, with the configured limits and engines."""
    from service.pipeline import Pipeline

    settings: Settings = args.settings
    return Pipeline(
        models=args.models or settings.models,
        limits=settings.limits,
        engines=settings.engines,
        fetch=settings.fetch,
    )


def _read_input(name: str) -> str:
    from service.documents import read_document

    if name == "-":
        return read_document(sys.stdin.buffer.read(), name="stdin.txt").text
    return read_document(Path(name)).text


def cmd_run(args: argparse.Namespace) -> int:
    pipeline = _pipeline(args)
    options = {
        "length": args.length,
        "mode": args.mode,
        "source_language": args.source_language,
        "clean": not args.keep_all,
    }
    if args.glossary is not None:
        from service.errors import InputError
        from service.text.glossary import load_glossary

        if args.ray:
            raise InputError(
                "--glossary is not available with --ray; name the glossary in the model set (glossary = ...)"
            )
        options["glossary"] = load_glossary(args.glossary)
    if args.ray:  # corpus-scale batch on Ray (service.cluster, docs/cluster.md)
        from service.cluster import run_cluster_cli

        settings: Settings = args.settings
        return run_cluster_cli(
            args, args.models or settings.models, options, settings.limits, settings.engines
        )
    if len(args.inputs) > 1 or args.out or Path(args.inputs[0]).is_dir():
        from service.batch import run_batch_cli

        return run_batch_cli(pipeline, args.inputs, args.out, options, as_json=args.json)
    from service.batch import is_link

    if is_link(args.inputs[0]):
        result = pipeline.run_url(args.inputs[0], **options)
    else:
        result = pipeline.run(_read_input(args.inputs[0]), **options)
    print(result.to_json() if args.json else result.to_text())
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    if args.models_command == "tiny":
        from service.devtools.tiny import build_tiny_set

        path = build_tiny_set(args.out_dir, engine=args.engine)
        if args.engine == "ctranslate2":
            _prepare_ctranslate2(load_model_set(path), args.settings)
        print(f"(also written: {path.with_name('models-extractive.toml')})", file=sys.stderr)
        print(path)
        return 0
    if args.models_command == "fetch":
        from service.models.fetch import fetch_model_set

        model_set = load_model_set(args.model_set or args.settings.models)
        if model_set.licence_warning:
            print(f"NOTE: {model_set.licence_warning}", file=sys.stderr)
        outcomes = fetch_model_set(
            model_set,
            report=lambda line: print(line, file=sys.stderr),
            after=lambda ms: _prepare_ctranslate2(ms, args.settings),
        )
        failed = [o for o in outcomes if o.error]
        for outcome in failed:
            print(f"error: {outcome.error}", file=sys.stderr)
        if not failed:
            print(f"Model set {model_set.name!r} is ready ({len(outcomes)} model(s)).")
        return EXIT_MODEL if failed else 0
    for name in builtin_names():
        model_set = load_model_set(name)
        print(f"{name}: {model_set.description}")
        for role, label in model_set.describe().items():
            print(f"  {role:10} {label}")
        if model_set.licence_warning:
            print(f"  ! {model_set.licence_warning}")
    return 0


def _prepare_ctranslate2(model_set: ModelSet, settings: Settings) -> None:
    """Convert the set's CTranslate2 roles now, so the first request does not wait for it."""
    from service.engines import ctranslate2_available

    if ctranslate2_available():
        from service.engines.ct2_cache import prepare_model_set

        prepare_model_set(
            model_set, report=lambda line: print(line, file=sys.stderr), settings=settings.engines
        )


def cmd_evaluate(args: argparse.Namespace) -> int:
    from service.evaluation.harness import evaluate
    from service.evaluation.items import load_items

    task, items = load_items(args.data, args.task)
    report = evaluate(
        _pipeline(args),
        task,
        items,
        limit=args.limit,
        progress=sys.stderr.isatty(),
        summary_length=args.length,
    )
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.format_table())
    return 0


def cmd_textcheck(args: argparse.Namespace) -> int:
    from service.evaluation import textcheck

    try:
        cases = textcheck.load_cases(args.data or textcheck.DEFAULT_DATA)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    tallies = textcheck.run(cases)
    if args.json:
        print(json.dumps({lang: t.figures() for lang, t in tallies.items()}, indent=2))
    else:
        print(textcheck.report(tallies))
    if args.errors:
        for line in tallies["all"].errors:
            print(line)
    return 0


COMMANDS = {"run": cmd_run, "models": cmd_models, "evaluate": cmd_evaluate, "textcheck": cmd_textcheck}
