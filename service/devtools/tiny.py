"""Build a complete tiny model set: random weights, real tokenizers, all five families.

Tests and offline demos need models, and this machine (like CI) cannot download any. So we build
them: a config with a few thousand parameters, random weights, and a tokenizer trained in well
under a second on the project's own multilingual text (`tiny_corpus`). Each is saved with
`save_pretrained` and then loaded through exactly the code path a Hub model takes, so every family's
handling (prompts, language tokens, sentencepiece vs. `tokenizers`) is exercised for real.

Outputs are gibberish, of course: tests assert structure, never wording.

Pitfalls solved here (transformers 5): BART/NLLB tokenizers ignore `vocab_file=` and must be built
with `from_pretrained(folder)`; NLLB needs its language codes as special tokens or `kor_Hang` maps
to `<unk>`; M2M100 needs `__xx__` codes registered and a vocab sized `len(tok) + num_madeup_words`;
Marian needs `</s>`, `<unk>` and `<pad>` (last, and the decoder start) placed by hand; CTranslate2
cannot convert a from-scratch BART without `normalize_before=False`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.devtools.tiny_corpus import corpus

#: Roles and the family that serves each: one role per family, so all five are exercised.
TINY_ROLES = {"summarise": "bart", "en-ko": "marian", "en-ja": "nllb", "ko-en": "m2m100", "ja-en": "t5"}
WINDOW = 256
SMALL = dict(
    d_model=32,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    max_position_embeddings=WINDOW,
)


def _train_sentencepiece(prefix: str, model_type: str = "unigram", **ids: int) -> str:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()),
        model_prefix=prefix,
        vocab_size=800,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
        **ids,
    )
    return prefix + ".model"


def _marian(work: str) -> tuple[Any, Any]:
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    model_file = _train_sentencepiece(f"{work}/s")
    sp = spm.SentencePieceProcessor(model_file=model_file)
    vocab = {"</s>": 0, "<unk>": 1}  # Marian layout: </s>=0, <unk>=1, ..., <pad> last
    for i in range(sp.get_piece_size()):
        if sp.id_to_piece(i) not in ("<unk>", "<s>", "</s>"):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    for token in (">>kor<<", ">>jpn<<", "<pad>"):  # a multilingual-target Marian, like opus-mt-tc models
        vocab[token] = len(vocab)
    Path(f"{work}/vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for name in ("source.spm", "target.spm"):
        shutil.copy(model_file, f"{work}/{name}")
    tok = MarianTokenizer(f"{work}/source.spm", f"{work}/target.spm", f"{work}/vocab.json")
    pad = vocab["<pad>"]
    model = MarianMTModel(
        MarianConfig(
            vocab_size=len(vocab),
            pad_token_id=pad,
            decoder_start_token_id=pad,
            eos_token_id=0,
            forced_eos_token_id=0,
            **SMALL,
        )
    )
    model.generation_config.bad_words_ids = [[pad]]
    return tok, model


def _t5(work: str) -> tuple[Any, Any]:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    os.makedirs(f"{work}/t")
    _train_sentencepiece(f"{work}/t/spiece", pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    tok = T5Tokenizer.from_pretrained(f"{work}/t", extra_ids=0)
    config = T5Config(
        vocab_size=len(tok),
        d_model=32,
        d_kv=16,
        d_ff=64,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return tok, T5ForConditionalGeneration(config)


def _bart(work: str) -> tuple[Any, Any]:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus(),
        vocab_size=1000,
        min_frequency=2,
        show_progress=False,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
    )
    os.makedirs(f"{work}/b")
    bpe.save_model(f"{work}/b")
    tok = BartTokenizer.from_pretrained(f"{work}/b")
    model = BartForConditionalGeneration(BartConfig(vocab_size=len(tok), normalize_before=False, **SMALL))
    model.generation_config.forced_bos_token_id = 0  # as bart-large-cnn
    return tok, model


def _m2m100(work: str) -> tuple[Any, Any]:
    import sentencepiece as spm
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    model_file = _train_sentencepiece(f"{work}/m", "bpe")
    sp = spm.SentencePieceProcessor(model_file=model_file)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    Path(f"{work}/vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = M2M100Tokenizer(
        f"{work}/vocab.json",
        model_file,
        src_lang="en",
        tgt_lang="ko",
        additional_special_tokens=[f"__{c}__" for c in FAIRSEQ_LANGUAGE_CODES["m2m100"]],
    )
    config = M2M100Config(vocab_size=len(tok) + tok.num_madeup_words, **SMALL)
    return tok, M2M100ForConditionalGeneration(config)


def _nllb(work: str) -> tuple[Any, Any]:
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    os.makedirs(f"{work}/n")
    _train_sentencepiece(f"{work}/n/sentencepiece.bpe", "bpe")
    tok = NllbTokenizer.from_pretrained(
        f"{work}/n",
        src_lang="eng_Latn",
        tgt_lang="kor_Hang",
        additional_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
    )
    return tok, M2M100ForConditionalGeneration(M2M100Config(vocab_size=len(tok), **SMALL))


BUILDERS: dict[str, Callable[[str], tuple[Any, Any]]] = {
    "marian": _marian,
    "t5": _t5,
    "bart": _bart,
    "m2m100": _m2m100,
    "nllb": _nllb,
}


def build_family(family: str, out_dir: str | os.PathLike, seed: int = 0) -> Path:
    """Build one tiny model of `family` into `out_dir` (replaced if it exists)."""
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    out = Path(out_dir)
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as work:
        torch.manual_seed(seed)
        tok, model = BUILDERS[family](work)
        tok.model_max_length = WINDOW
        model.save_pretrained(out)
        tok.save_pretrained(out)
    return out


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_model_set(path: Path, name: str, roles: dict[str, dict[str, Any]], description: str) -> Path:
    lines = [f"name = {_toml_string(name)}", f"description = {_toml_string(description)}", ""]
    for role, spec in roles.items():
        lines.append(f"[roles.{role}]")
        for key, value in spec.items():
            lines.append(f"{key} = {_toml_string(value) if isinstance(value, str) else value}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_tiny_set(out_dir: str | os.PathLike, engine: str = "transformers") -> Path:
    """Build all tiny models into `out_dir` and write `models.toml` (plus an extractive variant)."""
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    for family in sorted(set(TINY_ROLES.values())):
        build_family(family, out / family)
    roles = {
        role: {"engine": engine, "model": f"./{family}", "num_beams": 2}
        for role, family in TINY_ROLES.items()
    }
    description = (
        "Tiny random-weight models (one per family) for tests and offline demos: output is gibberish"
    )
    path = write_model_set(out / "models.toml", "tiny", roles, description)
    extractive = {**roles, "summarise": {"engine": "extractive"}}
    write_model_set(
        out / "models-extractive.toml", "tiny-extractive", extractive, description + "; extractive summaries"
    )
    return path
