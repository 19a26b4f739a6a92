"""Random-weight models at the sizes of the default model set, for timing (no download needed).

Real size means the same shapes as the published models, so the work per token is the same:

- translation: Marian as `Helsinki-NLP/opus-mt-*` (512-dim, 6+6 layers, 8 heads, FFN 2048, 32k
  vocabulary, 61 M parameters), one folder per target (en-ko, en-ja; same weights saved twice so the
  service loads two models, as with the default set);
- summary: BART as `sshleifer/distilbart-cnn-12-6` (1024-dim, 12 encoder + 6 decoder layers, 16
  heads, FFN 4096, 50,265 tokens, 306 M parameters), with distilbart-cnn's generation settings.

Tokenizers are trained in a second on the project's corpus plus the benchmark article, sized so that
the article splits into about as many tokens as with the real vocabularies (~1.3 per word:
Marian 1,196 + 41 EOS, BART 1,171 for the 898 words, so the article exceeds BART's 1,024-token
window as it does with distilbart's real tokenizer), then padded with word-like filler tokens to the
real vocabulary size. `--quick` builds much smaller models of the same families.

The models are cached in a folder (see `bench.py --models-dir`) and rebuilt only when missing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTICLE = HERE / "article_en.txt"

SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "marian": dict(
            vocab=32000, d_model=512, layers=(6, 6), heads=8, ffn=2048, positions=512, spm_vocab=2700
        ),
        "bart": dict(
            vocab=50265, d_model=1024, layers=(12, 6), heads=16, ffn=4096, positions=1024, bpe_vocab=3300
        ),
    },
    "quick": {
        "marian": dict(
            vocab=8000, d_model=256, layers=(3, 3), heads=4, ffn=1024, positions=512, spm_vocab=2700
        ),
        "bart": dict(
            vocab=8000, d_model=256, layers=(3, 3), heads=4, ffn=1024, positions=1024, bpe_vocab=3300
        ),
    },
}
#: Bump when the recipe changes, so cached models are rebuilt.
RECIPE = 7


def training_text() -> Iterator[str]:
    from service.devtools.tiny_corpus import corpus

    yield from corpus()
    lines = [line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    for _ in range(3):  # frequent enough to be merged into whole words, as in a real 32-50k vocabulary
        yield from lines


def _filler(index: int) -> str:
    """A word-like filler name (`zqab`...): random weights pick these often, and they read as words."""
    letters = ""
    index += 26 * 26
    while index:
        index, rest = divmod(index, 26)
        letters = chr(97 + rest) + letters
    return "zq" + letters


def _pad_vocab(vocab: dict[str, int], size: int, marker: str, last: str | None = None) -> dict[str, int]:
    i = 0
    while len(vocab) < size - (1 if last else 0):
        vocab.setdefault(marker + _filler(i), len(vocab))
        i += 1
    if last:
        vocab[last] = len(vocab)
    assert len(vocab) == size and sorted(vocab.values()) == list(range(size))
    return vocab


def _bpe_fillers(
    vocab: dict[str, int], merges: list[tuple[str, str]], size: int
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Fill a byte-level BPE vocabulary up to `size` with word-like tokens (" zqa", " zqab", ...)
    that the tokenizer can also produce, with the merges that build them ranked first.

    Random weights mostly generate filler tokens; the summariser reads its own partial summaries
    again in the final pass, and they must re-tokenize to as many tokens as were generated (as
    real text does), not into several pieces per filler.
    """
    added: list[tuple[str, str]] = []
    for parent, piece in (("Ġ", "z"), ("Ġz", "q")):
        added.append((parent, piece))
        vocab.setdefault(parent + piece, len(vocab))
    queue = ["Ġzq"]
    while len(vocab) < size:
        parent = queue.pop(0)
        for letter in "abcdefghijklmnopqrstuvwxyz":
            token = parent + letter
            if token not in vocab and len(vocab) < size:
                vocab[token] = len(vocab)
                added.append((parent, letter))
                queue.append(token)
    assert len(vocab) == size and sorted(vocab.values()) == list(range(size))
    return vocab, added + [m for m in merges if m not in set(added)]


def build_marian(out: Path, size: dict[str, Any], seed: int = 0) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    with tempfile.TemporaryDirectory() as work:
        spm.SentencePieceTrainer.train(
            sentence_iterator=training_text(),
            model_prefix=f"{work}/s",
            vocab_size=size["spm_vocab"],
            model_type="bpe",
            character_coverage=1.0,
            hard_vocab_limit=False,
            minloglevel=2,
            num_threads=1,
        )
        sp = spm.SentencePieceProcessor(model_file=f"{work}/s.model")
        vocab = {"</s>": 0, "<unk>": 1}
        for i in range(sp.get_piece_size()):
            if sp.id_to_piece(i) not in ("<unk>", "<s>", "</s>"):
                vocab.setdefault(sp.id_to_piece(i), len(vocab))
        vocab = _pad_vocab(vocab, size["vocab"], "▁", last="<pad>")
        Path(f"{work}/vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        for name in ("source.spm", "target.spm"):
            shutil.copy(f"{work}/s.model", f"{work}/{name}")
        tok = MarianTokenizer(f"{work}/source.spm", f"{work}/target.spm", f"{work}/vocab.json")
        pad = size["vocab"] - 1
        config = MarianConfig(
            **_architecture(size),
            activation_function="swish",
            scale_embedding=True,
            static_position_embeddings=True,
            max_position_embeddings=size["positions"],
            pad_token_id=pad,
            decoder_start_token_id=pad,
            eos_token_id=0,
            forced_eos_token_id=0,
        )
        torch.manual_seed(seed)
        model = MarianMTModel(config).eval()
        # As the opus-mt generation_config.json files.
        model.generation_config.bad_words_ids = [[pad]]
        model.generation_config.forced_eos_token_id = 0
        model.generation_config.max_length = 512
        model.generation_config.num_beams = 4
        model.save_pretrained(out)
        tok.save_pretrained(out)
    return out


def _architecture(size: dict[str, Any]) -> dict[str, Any]:
    """The encoder-decoder shape shared by the Marian and BART configs."""
    return {
        "vocab_size": size["vocab"],
        "d_model": size["d_model"],
        "encoder_layers": size["layers"][0],
        "decoder_layers": size["layers"][1],
        "encoder_attention_heads": size["heads"],
        "decoder_attention_heads": size["heads"],
        "encoder_ffn_dim": size["ffn"],
        "decoder_ffn_dim": size["ffn"],
    }


def build_bart(out: Path, size: dict[str, Any], seed: int = 0) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        training_text(),
        vocab_size=size["bpe_vocab"],
        min_frequency=2,
        show_progress=False,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    merges = json.loads(bpe._tokenizer.to_str())["model"]["merges"]
    merges = [tuple(m.split()) if isinstance(m, str) else tuple(m) for m in merges]
    vocab = dict(sorted(bpe.get_vocab().items(), key=lambda kv: kv[1]))
    vocab, merges = _bpe_fillers(vocab, merges, size["vocab"])
    tok = BartTokenizer(vocab=vocab, merges=merges)
    tok.model_max_length = size["positions"]
    assert len(tok) == size["vocab"], len(tok)
    config = BartConfig(
        **_architecture(size),
        max_position_embeddings=size["positions"],
        activation_function="gelu",
        normalize_before=False,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config).eval()
    generation = model.generation_config  # as distilbart-cnn-12-6's config.json
    generation.forced_bos_token_id = 0
    generation.forced_eos_token_id = 2
    generation.min_length = 56
    generation.max_length = 142
    generation.num_beams = 4
    generation.length_penalty = 2.0
    generation.no_repeat_ngram_size = 3
    generation.early_stopping = True
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def build_models(models_dir: Path, variant: str, report=print) -> dict[str, Path]:
    """The benchmark's models (summarise, en-ko, en-ja) under `models_dir/variant`, built if missing."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    base = models_dir / f"{variant}-r{RECIPE}"
    sizes = SIZES[variant]
    folders = {"summarise": base / "bart", "en-ko": base / "marian-en-ko", "en-ja": base / "marian-en-ja"}
    builders = {
        "summarise": lambda out: build_bart(out, sizes["bart"]),
        "en-ko": lambda out: build_marian(out, sizes["marian"]),
    }
    for role in ("summarise", "en-ko"):
        folder = folders[role]
        if (folder / "config.json").is_file():
            continue
        report(f"building {variant} {role} model in {folder} ...")
        start = time.perf_counter()
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        builders[role](tmp)
        os.replace(tmp, folder)
        report(f"  built in {time.perf_counter() - start:.1f} s")
    if not (folders["en-ja"] / "config.json").is_file():  # same weights, second model folder
        tmp = folders["en-ja"].with_name("marian-en-ja.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(folders["en-ko"], tmp)
        os.replace(tmp, folders["en-ja"])
    return folders


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench-models")
    print(build_models(target, sys.argv[2] if len(sys.argv) > 2 else "quick"))
