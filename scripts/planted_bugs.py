"""Plant the wiring bugs of issue 18 one at a time in a copy of the tree and list the tests that fail.

    python scripts/planted_bugs.py                  # every bug, the wiring/boundary/adversary tests
    python scripts/planted_bugs.py --bug segments-swapped -- tests/test_wiring.py

Each bug is a realistic one-line mistake a user would notice at once; a bug that no test catches is
reported as SURVIVED (and the script exits 1). The code is a copy of the working tree (or with
`--head` of the last commit) in a temporary folder, taken once; the tests must pass there unplanted
first, so a half-finished edit cannot fake a catch. Results are recorded in docs/testing.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("service", "tests", "docs", "examples", "prompts", "pyproject.toml")
DEFAULT_TESTS = (
    "tests/test_wiring.py",
    "tests/test_schema.py",
    "tests/test_boundaries.py",
    "tests/web/test_wiring_web.py",
    "tests/web/test_adversaries.py",
    "tests/web/test_browser_wiring.py",
)


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    path: str
    old: str
    new: str
    #: The test files that should catch it (the whole default set when empty).
    tests: tuple[str, ...] = ()
    #: Replace every occurrence of `old` (a key built in several places), not exactly one.
    everywhere: bool = False


BUGS = (
    Bug(
        "segments-swapped",
        "Korean and Japanese swapped in Result.segments",
        "service/assembly.py",
        "Segment(en=e, ko=k, ja=j, paragraph=index)",
        "Segment(en=e, ko=j, ja=k, paragraph=index)",
        tests=("tests/test_wiring.py", "tests/web/test_wiring_web.py", "tests/web/test_browser_wiring.py"),
    ),
    Bug(
        "translations-swapped",
        "Korean and Japanese swapped in Result.translations",
        "service/pipeline.py",
        "translations = {t: join_sentences(targets[t][0], t) for t in TARGETS}",
        'translations = {t: join_sentences(targets["ja" if t == "ko" else "ko"][0], t) for t in TARGETS}',
        tests=("tests/test_wiring.py", "tests/web/test_wiring_web.py", "tests/web/test_browser_wiring.py"),
    ),
    Bug(
        "table-swapped",
        "Korean and Japanese swapped in the page's sentence table",
        "service/web/page_text.py",
        "rows.append([number, s.en, s.ko, s.ja, sources,",
        "rows.append([number, s.en, s.ja, s.ko, sources,",
        tests=("tests/web/test_browser_wiring.py",),
    ),
    Bug(
        "ja-through-ko-model",
        "a Japanese article translated to English with the ko->en model",
        "service/pipeline.py",
        "        engine = self.engine(role)\n        keys =",
        '        engine = self.engine("ko-en" if role == "ja-en" else role)\n        keys =',
        tests=("tests/test_wiring.py",),
    ),
    Bug(
        "last-chunk-dropped",
        "the summariser given every chunk but the last",
        "service/summary.py",
        "engine.generate(chunks, partial_job)",
        "engine.generate(chunks[:-1], partial_job)",
        tests=("tests/test_wiring.py",),
    ),
    Bug(
        "shared-cache-entry",
        "Korean and Japanese sharing one cache entry when one model serves both (nllb)",
        "service/pipeline.py",
        "(spec.label, role, ",
        "(spec.label, source, ",
        tests=("tests/test_wiring.py",),
        everywhere=True,
    ),
    Bug(
        "paragraph-dropped",
        "segments[].paragraph missing from to_dict() and the JSON API",
        "service/result.py",
        "        data = asdict(self)\n",
        '        data = asdict(self)\n        for segment in data["segments"]:\n            del segment["paragraph"]\n',
        tests=("tests/test_schema.py", "tests/test_wiring.py", "tests/web/test_wiring_web.py"),
    ),
    Bug(
        "token-length-only",
        "the token check compares only lengths",
        "service/web/access.py",
        "if not hmac.compare_digest(credentials.strip().encode(), self.api_token.encode()):",
        "if len(credentials.strip()) != len(self.api_token):",
        tests=("tests/web/test_adversaries.py",),
    ),
    Bug(
        "shared-rate-bucket",
        "one rate-limit bucket shared by all clients",
        "service/web/access.py",
        'self.limiter.check(client or "unknown")',
        'self.limiter.check("all")',
        tests=("tests/web/test_adversaries.py",),
    ),
    Bug(
        "body-limit-off-by-one",
        "the JSON body limit off by one byte (a body of exactly the limit refused)",
        "service/web/http_api.py",
        "        if size > limit:\n",
        "        if size >= limit:\n",
        tests=("tests/web/test_adversaries.py",),
    ),
    Bug(
        "declared-body-off-by-one",
        "the declared Content-Length compared off by one",
        "service/web/http_api.py",
        "too_large = declared.isdigit() and int(declared) > limit",
        "too_large = declared.isdigit() and int(declared) >= limit",
        tests=("tests/web/test_adversaries.py",),
    ),
    Bug(
        "limits-off-by-one",
        "every Limits check off by one (exactly the limit refused)",
        "service/limits.py",
        "if value > limit:",
        "if value >= limit:",
        tests=("tests/test_boundaries.py",),
    ),
    # issue 9: hostile clients over real HTTP (docs/security.md)
    Bug(
        "server-path-read",
        "a FileData naming a server path reaches Gradio (the guard's check off)",
        "service/web/guard.py",
        "if server_paths(data, self.upload_dir):",
        "if False:",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "proxy-headers-trusted",
        "uvicorn believes X-Forwarded-For from anyone",
        "service/web/guard.py",
        '{"proxy_headers": False}',
        '{"proxy_headers": True, "forwarded_allow_ips": "*"}',
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "leftmost-forwarded-hop",
        "behind a trusted proxy, the left-most (client-written) hop is the client",
        "service/web/guard.py",
        "    for hop in reversed(hops):",
        "    for hop in hops:",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "token-guessing-free",
        "wrong API tokens are not counted",
        "service/web/access.py",
        "        self.check_failures(key)\n",
        "",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "login-guessing-free",
        "failed logins never lock a client out",
        "service/web/guard.py",
        "            if wait:",
        "            if False:",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "docx-read-whole",
        "a DOCX is parsed whole before its size in elements is known",
        "service/documents/docx.py",
        "    survey_docx(data, label, limits)\n",
        "",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "deep-json-500",
        "JSON nested too deeply escapes as a 500 from the JSON API",
        "service/web/http_api.py",
        "    except RecursionError:\n        raise InputError(",
        "    except ZeroDivisionError:\n        raise InputError(",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "session-endpoint-open",
        "/gradio_api/app_id answers strangers when a login is set",
        "service/web/guard.py",
        '    "/gradio_api/app_id",\n',
        "",
        tests=("tests/web/test_hostile.py",),
    ),
    Bug(
        "missing-folder-as-repo-id",
        "a missing local model folder is reported as a bad Hub repo id",
        "service/engines/loading.py",
        "    if spec.model and os.path.isabs(spec.model) and not os.path.exists(spec.model):",
        "    if False:",
        tests=("tests/web/test_hostile.py",),
    ),
)


def snapshot(target: Path, head: bool) -> None:
    """The parts of the tree the tests need, from the working tree or the last commit, at `target`."""
    if head:
        archive = subprocess.run(
            ["git", "archive", "HEAD", *COPIED], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        return
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "mutants"))
        elif source.exists():
            shutil.copy2(source, target / name)


def plant(tree: Path, bug: Bug) -> None:
    path = tree / bug.path
    text = path.read_text(encoding="utf-8")
    if text.count(bug.old) == 0 or (text.count(bug.old) > 1 and not bug.everywhere):
        raise SystemExit(f"{bug.name}: the code to change was not found once in {bug.path}; update BUGS")
    path.write_text(text.replace(bug.old, bug.new), encoding="utf-8")


def failing_tests(tree: Path, tests: list[str]) -> tuple[list[str], str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "--timeout=300", *tests],
        cwd=tree,
        capture_output=True,
        text=True,
        env=env,
    )
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 and not failed:  # collection failed, or pytest itself: never a "catch"
        failed = [f"<pytest exit {proc.returncode}>"]
    return failed, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bug", action="append", choices=[b.name for b in BUGS], help="only these bugs")
    parser.add_argument(
        "--head", action="store_true", help="plant into the last commit, not the working tree"
    )
    parser.add_argument("tests", nargs="*", help="test files for every bug (default: each bug's own)")
    args = parser.parse_args()
    survived = []
    with tempfile.TemporaryDirectory(prefix="planted-base-") as base:
        clean = Path(base) / "tree"
        clean.mkdir()
        snapshot(clean, args.head)
        chosen = [bug for bug in BUGS if not args.bug or bug.name in args.bug]
        baseline = args.tests or list(dict.fromkeys(t for bug in chosen for t in bug.tests or DEFAULT_TESTS))
        failed, summary = failing_tests(clean, baseline)
        print(f"## baseline (nothing planted): {summary}", flush=True)
        if failed:
            print("\n".join(f"  {test}" for test in failed))
            raise SystemExit("the tests fail without a planted bug: fix them first")
        for bug in chosen:
            tree = Path(base) / bug.name
            shutil.copytree(clean, tree, ignore=shutil.ignore_patterns("__pycache__"))
            plant(tree, bug)
            failed, summary = failing_tests(tree, args.tests or list(bug.tests or DEFAULT_TESTS))
            shutil.rmtree(tree)
            status = f"caught by {len(failed)}" if failed else "SURVIVED"
            print(f"\n## {bug.name}: {bug.what} -> {status} ({summary})", flush=True)
            for test in failed:
                print(f"  {test}", flush=True)
            if not failed:
                survived.append(bug.name)
    if survived:
        print(f"\nSurvived: {', '.join(survived)}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
