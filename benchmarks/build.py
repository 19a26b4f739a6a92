"""Random-weight models at the real shapes of the built-in model sets, for timing (no download).

Real shape means the published architecture, so the work per token is the same (sources and
figures: `benchmarks/README.md`, "Model shapes"):

- summary: BART as `sshleifer/distilbart-cnn-12-6` (1024-dim, 16 heads, FFN 4096, 12 encoder + 6
  decoder layers, 50,265 tokens, 1,024-token window, 306 M parameters), with its generation settings;
- en-ko: Marian transformer-big as `Helsinki-NLP/opus-mt-tc-big-en-ko` (1024-dim, 16 heads, FFN 4096,
  6+6 layers, SentencePiece models trained per side), 32k tokens;
- en-ja, ko-en, ja-en: Marian base as `staka/fugumt-en-ja`, `Helsinki-NLP/opus-mt-ko-en` and
  `opus-mt-ja-en` (512-dim, 8 heads, FFN 2048, 6+6 layers), 32k tokens;
- the `nllb` set: M2M100 as `facebook/nllb-200-distilled-600M` (1024-dim, 16 heads, FFN 4096, 12+12
  layers, 256,206 tokens), one model for every direction.

Each Marian model has its own source and target SentencePiece model, trained in a second on the
project's corpus plus the benchmark article in that language, sized so that the English article splits
into about as many tokens as with the real vocabularies (~1.3 per word), then given word-like filler
pieces (`zqab`...) up to the real vocabulary size; the fillers are real pieces of the target
SentencePiece model, so what random weights generate decodes to words. That matters for the Korean
and Japanese articles: their English translation is what the summariser reads, and it must be about
as many BART tokens as a real translation (~1.3 per word), not a run of unknown pieces.

One joint `vocab.json` per Marian model (source pieces, then target pieces, then fillers, 32,000 in
all), as the opus-mt base models have it. `opus-mt-tc-big-en-ko` has two separate 32k vocabularies;
CTranslate2's converter registers one vocabulary for both sides (`BartLoader.set_vocabulary`), so
the service runs it with one either way. The work per token is the same (the output layer is
1024 × 32k in both cases); only the encoder's embedding table (32k × 1024, 33 MB in int8) is missing.
`build_tc_big` builds the faithful one (separate vocabularies and embeddings) for `coldstart.py`,
where conversion time and memory do depend on it.

The NLLB model keeps a small tokenizer (the project's SentencePiece model plus NLLB's language
codes): its weights have all 256,206 rows, and CTranslate2 names the rows the tokenizer lacks
`madeupword…`, so per-token work is the real one, but most generated tokens decode to nothing.
It is therefore measured on the English article only (its English output would not be a fair
input for the summariser). `--quick` builds much smaller models of the same families.

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

ARTICLES = {lang: HERE / f"article_{lang}.txt" for lang in ("en", "ko", "ja")}
ARTICLE = ARTICLES["en"]

_MARIAN_BASE = dict(d_model=512, layers=(6, 6), heads=8, ffn=2048, positions=512)
_QUICK = dict(vocab=8000, d_model=256, layers=(3, 3), heads=4, ffn=1024, positions=512)
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "marian": dict(vocab=32000, **_MARIAN_BASE),
        "marian-big": dict(vocab=32000, d_model=1024, layers=(6, 6), heads=16, ffn=4096, positions=1024),
        "bart": dict(
            vocab=50265, d_model=1024, layers=(12, 6), heads=16, ffn=4096, positions=1024, bpe_vocab=3300
        ),
        "nllb": dict(vocab=256206, d_model=1024, layers=(12, 12), heads=16, ffn=4096, positions=1024),
    },
    "quick": {
        "marian": dict(_QUICK),
        "marian-big": dict(_QUICK, d_model=384, heads=6, ffn=1536),
        "bart": dict(_QUICK, positions=1024, bpe_vocab=3300),
        "nllb": dict(_QUICK, positions=1024),
    },
}
#: SentencePiece vocabulary trained per language (before the filler pieces): English 2,700 pieces
#: split the article into ~1.3 tokens per word, as opus-mt's real 32k models do.
SPM_VOCAB = {"en": 2700, "ko": 2700, "ja": 2700}
#: Which model builds each role: (shape, source language, target language).
ROLES = {
    "en-ko": ("marian-big", "en", "ko"),
    "en-ja": ("marian", "en", "ja"),
    "ko-en": ("marian", "ko", "en"),
    "ja-en": ("marian", "ja", "en"),
}
#: Bump when the recipe changes, so cached models are rebuilt.
RECIPE = 8


def training_text(language: str = "en") -> Iterator[str]:
    """The project's corpus plus the benchmark article in `language`, three times over (frequent
    enough to be merged into whole words, as in a real 32-50k vocabulary)."""
    from service.devtools.tiny_corpus import corpus

    yield from corpus()
    text = ARTICLES[language].read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for _ in range(3):
        yield from lines


def _filler(index: int) -> str:
    """A word-like filler name (`zqab`...): random weights pick these often, and they read as words."""
    letters = ""
    index += 26 * 26
    while index:
        index, rest = divmod(index, 26)
        letters = chr(97 + rest) + letters
    return "zq" + letters


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


def _sentencepiece(work: str, language: str, fillers: int = 0) -> str:
    """A BPE SentencePiece model for `language` with `fillers` word-like pieces (`▁zqab`...) appended.

    The fillers get the lowest scores, so no text but a filler itself ever encodes to one; they make
    generated filler ids decode to words (a piece the model lacks decodes to its raw `▁` bytes)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    prefix = f"{work}/{language}"
    spm.SentencePieceTrainer.train(
        sentence_iterator=training_text(language),
        model_prefix=prefix,
        vocab_size=SPM_VOCAB[language],
        model_type="bpe",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
    )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(Path(prefix + ".model").read_bytes())
    known = {piece.piece for piece in proto.pieces}
    lowest = min(piece.score for piece in proto.pieces) - 1
    i = added = 0
    while added < fillers:
        token = "▁" + _filler(i)
        i += 1
        if token in known:
            continue
        piece = proto.pieces.add()
        piece.piece, piece.score, piece.type = (
            token,
            lowest - added,
            model_pb2.ModelProto.SentencePiece.NORMAL,
        )
        added += 1
    Path(prefix + ".model").write_bytes(proto.SerializeToString())
    return prefix + ".model"


def build_marian(out: Path, size: dict[str, Any], source: str, target: str, seed: int = 0) -> Path:
    """A Marian model for `source` → `target`: separate SentencePiece models per side, one joint
    `vocab.json` (`</s>`, `<unk>`, source pieces, target pieces, fillers, `<pad>` last)."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    with tempfile.TemporaryDirectory() as work:
        os.makedirs(f"{work}/src")
        os.makedirs(f"{work}/tgt")
        source_model = _sentencepiece(f"{work}/src", source)
        target_model = _sentencepiece(f"{work}/tgt", target, fillers=size["vocab"])
        vocab = {"</s>": 0, "<unk>": 1}
        for model_file in (source_model, target_model):
            sp = spm.SentencePieceProcessor(model_file=model_file)
            for i in range(sp.get_piece_size()):
                if sp.id_to_piece(i) not in ("<unk>", "<s>", "</s>") and len(vocab) < size["vocab"] - 1:
                    vocab.setdefault(sp.id_to_piece(i), len(vocab))
        vocab["<pad>"] = len(vocab)
        assert len(vocab) == size["vocab"] and sorted(vocab.values()) == list(range(size["vocab"]))
        Path(f"{work}/vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        shutil.copy(source_model, f"{work}/source.spm")
        shutil.copy(target_model, f"{work}/target.spm")
        tok = MarianTokenizer(f"{work}/source.spm", f"{work}/target.spm", f"{work}/vocab.json")
        _save_marian(out, tok, size, seed, activation_function="swish")
    return out


def build_tc_big(out: Path, size: dict[str, Any], source: str, target: str, seed: int = 0) -> Path:
    """Marian transformer-big with separate source and target vocabularies and embeddings, as
    opus-mt-tc-big-en-ko (`share_encoder_decoder_embeddings=False`): the weights on disk and in the
    converter's memory are the real ones, encoder embedding table included."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    with tempfile.TemporaryDirectory() as work:
        for side, language in (("source", source), ("target", target)):
            os.makedirs(f"{work}/{side}")
            model_file = _sentencepiece(f"{work}/{side}", language, fillers=size["vocab"])
            sp = spm.SentencePieceProcessor(model_file=model_file)
            vocab = {"</s>": 0, "<unk>": 1}
            for i in range(sp.get_piece_size()):
                if sp.id_to_piece(i) not in ("<unk>", "<s>", "</s>") and len(vocab) < size["vocab"] - 1:
                    vocab.setdefault(sp.id_to_piece(i), len(vocab))
            vocab["<pad>"] = len(vocab)
            assert len(vocab) == size["vocab"]
            Path(f"{work}/{side}.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
            shutil.copy(model_file, f"{work}/{side}.spm")
        tok = MarianTokenizer(
            f"{work}/source.spm",
            f"{work}/target.spm",
            f"{work}/source.json",
            target_vocab_file=f"{work}/target.json",
            separate_vocabs=True,
        )
        _save_marian(
            out,
            tok,
            size,
            seed,
            activation_function="relu",
            decoder_vocab_size=size["vocab"],
            share_encoder_decoder_embeddings=False,
        )
    return out


def _save_marian(out: Path, tokenizer: Any, size: dict[str, Any], seed: int, **config: Any) -> None:
    """A Marian model of `size` with random weights (`seed`) and the generation settings of the
    opus-mt `generation_config.json` files, saved with `tokenizer`; `config` adds to the shape."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    pad = size["vocab"] - 1
    model_config = MarianConfig(
        **_architecture(size),
        **config,
        scale_embedding=True,
        static_position_embeddings=True,
        max_position_embeddings=size["positions"],
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(model_config).eval()
    model.generation_config.bad_words_ids = [[pad]]
    model.generation_config.forced_eos_token_id = 0
    model.generation_config.max_length = 512
    model.generation_config.num_beams = 4
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def build_nllb(out: Path, size: dict[str, Any], seed: int = 0) -> Path:
    """M2M100 at NLLB-200-distilled-600M's shape with a small NLLB tokenizer (see the module text)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    with tempfile.TemporaryDirectory() as work:
        import sentencepiece as spm

        spm.SentencePieceTrainer.train(
            sentence_iterator=(line for lang in ARTICLES for line in training_text(lang)),
            model_prefix=f"{work}/sentencepiece.bpe",
            vocab_size=6000,
            model_type="bpe",
            character_coverage=1.0,
            hard_vocab_limit=False,
            minloglevel=2,
            num_threads=1,
        )
        tok = NllbTokenizer.from_pretrained(
            work,
            src_lang="eng_Latn",
            tgt_lang="kor_Hang",
            additional_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
        )
        tok.model_max_length = size["positions"]
        config = M2M100Config(
            **_architecture(size),
            max_position_embeddings=size["positions"],
            scale_embedding=True,
            activation_function="relu",
            pad_token_id=tok.pad_token_id,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            decoder_start_token_id=tok.eos_token_id,
        )
        torch.manual_seed(seed)
        model = M2M100ForConditionalGeneration(config).eval()
        model.generation_config.max_length = 200  # as the NLLB generation config
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


def build_models(models_dir: Path, variant: str, report=print, nllb: bool = False) -> dict[str, Path]:
    """The benchmark's models (summarise, en-ko, en-ja, ko-en, ja-en; `nllb` too when asked) under
    `models_dir/variant`, built if missing."""
    sizes = SIZES[variant]
    builders = {"summarise": lambda out: build_bart(out, sizes["bart"])}
    for role, (shape, source, target) in ROLES.items():  # (en-ko too: one joint vocabulary, see above)
        builders[role] = lambda out, s=shape, a=source, b=target: build_marian(out, sizes[s], a, b)
    if nllb:
        builders["nllb"] = lambda out: build_nllb(out, sizes["nllb"])
    return build_into(models_dir / f"{variant}-r{RECIPE}", builders, report)


def build_into(base: Path, builders: dict[str, Any], report=print) -> dict[str, Path]:
    """`base/<name>` for each builder, built (into a temporary folder, then renamed) only if missing."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    folders = {name: base / name for name in builders}
    for name, folder in folders.items():
        if (folder / "config.json").is_file():
            continue
        report(f"building {name} model in {folder} ...")
        start = time.perf_counter()
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        builders[name](tmp)
        os.replace(tmp, folder)
        report(f"  built in {time.perf_counter() - start:.1f} s")
    return folders


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench-models")
    variant = sys.argv[2] if len(sys.argv) > 2 else "quick"
    print(build_models(target, variant, nllb="--nllb" in sys.argv))
