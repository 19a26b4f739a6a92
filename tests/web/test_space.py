"""The repository deploys unchanged as a Hugging Face Space: its files must agree with each other and
with the Hub's rules for Space metadata.

The Hub checks README's front matter when a push arrives and refuses metadata it does not accept
(`YAML Metadata Error: "short_description" length must be less than or equal to 60 characters
long`), so every key is checked here against the Spaces configuration reference
(https://huggingface.co/docs/hub/spaces-config-reference).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from service.models.fetch import hub_models, needed_files
from service.models.sets import load_model_set

ROOT = Path(__file__).resolve().parents[2]
#: Needed by `python -m service evaluate` only, not by the app a Space runs.
EVALUATION_ONLY = {"sacrebleu", "rouge-score"}
#: The thumbnail gradient colours the configuration reference allows for `colorFrom` / `colorTo`.
HUB_COLOURS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
#: Keys the configuration reference documents; anything else is a typo the Hub would ignore.
HUB_KEYS = {
    "title", "emoji", "colorFrom", "colorTo", "sdk", "python_version", "sdk_version",
    "suggested_hardware", "suggested_storage", "app_file", "app_port", "base_path", "fullWidth",
    "header", "short_description", "models", "datasets", "tags", "thumbnail", "pinned", "hf_oauth",
    "hf_oauth_scopes", "hf_oauth_expiration_minutes", "hf_oauth_authorized_org", "disable_embedding",
    "startup_duration_timeout", "custom_headers", "preload_from_hub", "license",
}  # fmt: skip
#: Hardware flavours the reference lists for `suggested_hardware`.
HUB_HARDWARE = {
    "cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "a10g-small", "a10g-large",
    "a10g-largex2", "a10g-largex4", "a100-large", "v5e-1x1", "v5e-2x2", "v5e-2x4",
}  # fmt: skip
#: Common licence identifiers of the Hub's list (huggingface.co/docs/hub/repositories-licenses).
HUB_LICENCES = {
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "mpl-2.0", "gpl-3.0", "lgpl-3.0",
    "agpl-3.0", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "unlicense", "other",
}  # fmt: skip
#: The Hub's limit on `short_description`, as its push hook words it.
SHORT_DESCRIPTION_MAX = 60
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Files of typical seq2seq repositories that a Space build should not download.
REPOSITORY_NOISE = [
    ".gitattributes", "README.md", "tf_model.h5", "flax_model.msgpack", "rust_model.ot",
    "metadata.json", "benchmark_results.txt", "benchmark_translations.zip", "onnx/encoder_model.onnx",
]  # fmt: skip


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with Space front matter"
    return yaml.safe_load(match.group(1))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pyproject_requirements() -> dict[str, Requirement]:
    reqs = (Requirement(d) for d in pyproject()["project"]["dependencies"])
    return {r.name.lower().replace("_", "-"): r for r in reqs}


def requirements_txt() -> tuple[dict[str, Requirement], list[str]]:
    """(requirements by name, pip option lines) of requirements.txt."""
    reqs, options = {}, []
    for raw in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        req = Requirement(line)
        reqs[req.name.lower().replace("_", "-")] = req
    return reqs, options


def preload_entries(meta: dict) -> dict[str, list[str]]:
    """`preload_from_hub` as repo id -> files (`repo_id file1,file2 [commit]`)."""
    entries = {}
    for entry in meta["preload_from_hub"]:
        parts = str(entry).split()
        assert 1 <= len(parts) <= 3, f"preload_from_hub entry {entry!r}: `repo_id [file1,file2] [commit]`"
        if len(parts) == 3:
            assert re.fullmatch(r"[0-9a-f]{40}", parts[2]), f"{entry!r}: the third part is a commit hash"
        entries[parts[0]] = parts[1].split(",") if len(parts) > 1 else []
    return entries


def is_single_emoji(text: str) -> bool:
    """One emoji: a pictographic symbol (or a flag's two regional indicators), optionally with
    variation selectors, skin-tone modifiers and zero-width-joined further symbols."""
    if not text:
        return False
    joiners = {"\u200d", "\ufe0f", "\ufe0e"}
    symbols = 0
    for char in text:
        if char in joiners or 0x1F3FB <= ord(char) <= 0x1F3FF:
            continue
        if unicodedata.category(char) != "So":
            return False
        symbols += 1
    flags = all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in text)
    zwj_parts = text.count("\u200d") + 1
    return symbols == (2 if flags else zwj_parts)


# -- the front matter against the Hub's rules -------------------------------------------------------


def test_front_matter_uses_only_keys_the_hub_documents():
    assert set(front_matter()) <= HUB_KEYS, sorted(set(front_matter()) - HUB_KEYS)


def test_front_matter_texts_and_colours_are_what_the_hub_accepts():
    meta = front_matter()
    # The reference gives no limit for the title: ours is held to the description's 60 characters,
    # so the Space's card shows it whole.
    assert isinstance(meta["title"], str) and 0 < len(meta["title"]) <= SHORT_DESCRIPTION_MAX
    assert is_single_emoji(meta["emoji"]), f"emoji must be one emoji, got {meta['emoji']!r}"
    assert meta["colorFrom"] in HUB_COLOURS and meta["colorTo"] in HUB_COLOURS
    description = meta["short_description"]
    assert isinstance(description, str) and description.strip()
    assert len(description) <= SHORT_DESCRIPTION_MAX, (
        f"short_description is {len(description)} characters; the Hub refuses more than {SHORT_DESCRIPTION_MAX}"
    )


def test_emoji_and_length_checks_catch_what_the_hub_refuses():
    """The checks above are not vacuous: they fail on the values the Hub rejected or would reject."""
    assert len("English summary of a news article, in Korean and Japanese too") > SHORT_DESCRIPTION_MAX
    assert all(is_single_emoji(e) for e in ("📰", "🇰🇷", "👩🏽‍💻", "❤️"))
    assert not any(is_single_emoji(e) for e in ("", "N", "📰📰", "📰 news", ":newspaper:"))


def test_front_matter_matches_the_project():
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert meta["sdk_version"] == str(pyproject_requirements()["gradio"].specifier).removeprefix("==")
    assert isinstance(meta["python_version"], str), "quote python_version: YAML reads 3.10 as 3.1"
    assert re.fullmatch(r"3\.\d+(\.\d+)?", meta["python_version"])
    major, minor = map(int, meta["python_version"].split(".")[:2])
    assert (major, minor) >= (3, 11), "transformers 5 needs Python 3.11 or newer"
    assert pyproject()["project"]["requires-python"] == ">=3.11"
    assert (ROOT / meta["app_file"]).is_file()
    assert meta["license"] in HUB_LICENCES
    assert meta.get("suggested_hardware", "cpu-basic") in HUB_HARDWARE
    assert meta["license"] == pyproject()["project"]["license"].lower()
    default_models = {spec.model for spec in load_model_set("default").roles.values()}
    assert all(isinstance(m, str) and REPO_ID.match(m) for m in meta["models"])
    assert set(meta["models"]) >= default_models


# -- preload_from_hub downloads what `models fetch` downloads -----------------------------------------


def test_preload_lists_the_files_models_fetch_downloads():
    """Each default model is preloaded with exactly the files `needed_files` picks: a repository
    holding those files plus the usual extra formats and cards yields the same list."""
    entries = preload_entries(front_matter())
    assert set(entries) == {model for model, _ in hub_models(load_model_set("default"))}
    for repo, files in entries.items():
        assert REPO_ID.match(repo), repo
        assert files, f"{repo}: list the files, or the build downloads every weight format"
        assert len(files) == len(set(files)), f"{repo}: a file is listed twice"
        assert set(needed_files(files + REPOSITORY_NOISE)) == set(files), repo
        assert needed_files(files) == needed_files(sorted(files, reverse=True))


@pytest.mark.slow
def test_preload_lists_are_what_fetch_picks_from_the_real_repositories(monkeypatch):
    """Where the Hub can be reached (CI with network): each listed file exists, and `needed_files`
    picks exactly the listed files from the repository's real file list."""
    import socket

    import huggingface_hub
    from huggingface_hub import constants

    try:
        socket.getaddrinfo("huggingface.co", 443)
    except OSError:
        pytest.skip("the Hugging Face Hub cannot be reached from here")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for repo, files in preload_entries(front_matter()).items():
        listing = huggingface_hub.list_repo_files(repo)
        assert set(files) <= set(listing), f"{repo}: not in the repository: {set(files) - set(listing)}"
        assert set(needed_files(listing)) == set(files), repo


def test_preload_lists_what_each_model_family_loads():
    entries = preload_entries(front_matter())
    for spec in load_model_set("default").roles.values():
        files = set(entries[spec.model])
        assert "config.json" in files
        assert len(files & {"model.safetensors", "pytorch_model.bin"}) == 1, spec.model
        if spec.role == "summarise":  # BART: byte-level BPE
            assert {"vocab.json", "merges.txt"} <= files or "tokenizer.json" in files
        else:  # Marian: a SentencePiece model per side and the joint vocabulary
            assert {"source.spm", "target.spm", "vocab.json"} <= files


def test_needed_files_picks_one_weight_format_and_whole_shard_sets():
    repo = ["config.json", "vocab.json", "pytorch_model.bin", "model.safetensors", *REPOSITORY_NOISE]
    assert needed_files(repo) == ["config.json", "vocab.json", "model.safetensors"]
    sharded = ["config.json", "model.safetensors.index.json", "model-00002-of-00002.safetensors"]
    sharded += ["model-00001-of-00002.safetensors", "pytorch_model.bin"]
    assert needed_files(sharded) == [
        "config.json",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]
    with pytest.raises(FileNotFoundError, match="weights"):
        needed_files(["config.json", "tf_model.h5"])
    with pytest.raises(FileNotFoundError, match="config"):
        needed_files(["pytorch_model.bin"])


def test_fetch_downloads_only_the_needed_files(monkeypatch):
    import huggingface_hub

    from service.models import fetch

    calls = {}
    listing = [
        "config.json",
        "source.spm",
        "target.spm",
        "vocab.json",
        "pytorch_model.bin",
        *REPOSITORY_NOISE,
    ]
    monkeypatch.setattr(huggingface_hub, "list_repo_files", lambda model, revision=None: listing)

    def snapshot_download(model, revision=None, **kwargs):
        calls.update(kwargs, model=model)
        return "/snapshot"

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    # an earlier test may have left "the Hub did not answer" in the process-wide memory
    monkeypatch.setattr(fetch, "_hub_down", None)
    assert fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en") == "/snapshot"
    assert sorted(calls["allow_patterns"]) == sorted(listing[:5])
    assert "ignore_patterns" not in calls


# -- requirements.txt against pyproject.toml --------------------------------------------------------


def test_requirements_cover_every_runtime_dependency():
    listed, _ = requirements_txt()
    needed = set(pyproject_requirements()) - {"gradio"} - EVALUATION_ONLY  # gradio: sdk_version
    assert needed <= set(listed), f"missing from requirements.txt: {sorted(needed - set(listed))}"
    assert "gradio" not in listed


def test_requirements_pin_what_pyproject_pins():
    listed, _ = requirements_txt()
    for name, req in pyproject_requirements().items():
        pins = [s.version for s in req.specifier if s.operator == "=="]
        if pins and name in listed:
            assert str(listed[name].specifier).removeprefix("==").split("+")[0] == pins[0], name


def test_torch_is_the_tested_cpu_build_and_nothing_else():
    """`torch==<pinned>+cpu` from the CPU index: pip installs that build or fails; a bare version
    (or a range) would let it take PyPI's CUDA build whenever the CPU index does not answer."""
    listed, options = requirements_txt()
    torch = listed["torch"]
    assert [s.operator for s in torch.specifier] == ["=="], "pin torch exactly"
    version = next(iter(torch.specifier)).version
    assert version.endswith("+cpu"), "the local version `+cpu` is what keeps the CUDA build out"
    assert str(pyproject_requirements()["torch"].specifier) == f"=={version.removesuffix('+cpu')}"
    index_options = [o for o in options if o.startswith(("--extra-index-url", "--index-url"))]
    assert index_options == ["--extra-index-url https://download.pytorch.org/whl/cpu"]


def _pushed_files() -> list[Path]:
    """What a `git push` to the Space would carry: tracked files and new ones git does not ignore."""
    import subprocess

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def looks_binary(path: Path) -> bool:
    """Git's own test (a NUL byte in the first 8,000 bytes), which the Hub's refusal follows."""
    return b"\0" in path.read_bytes()[:8000]


def test_a_push_carries_no_binary_file():
    """The Hub refuses a push with binary files outside LFS/Xet ("Your push was rejected because it
    contains binary files"); the README's screenshots are SVG text for that reason."""
    assert looks_binary(ROOT / "service" / "__init__.py") is False
    planted = ROOT / "artifacts"  # a PNG the browser tests write, as a planted case
    for png in planted.glob("*.png") if planted.is_dir() else []:
        assert looks_binary(png)
        break
    binary = [str(p.relative_to(ROOT)) for p in _pushed_files() if looks_binary(p)]
    assert binary == []


def test_readme_images_exist_and_are_text():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"|\]\((docs/images/[^)]+)\)', readme)
    paths = [ROOT / (a or b) for a, b in images]
    assert paths, "the README shows the page"
    for path in paths:
        assert path.is_file(), path
        head = path.read_text(encoding="ascii")[:300]
        assert head.startswith("<svg") and 'href="data:image/png;base64,' in path.read_text(encoding="ascii")
