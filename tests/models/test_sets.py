"""Model sets are configuration: built-ins parse, user files are validated with messages naming the problem."""

from __future__ import annotations

import pytest

from service import ModelSetError, ModelUnavailable, Pipeline
from service.models.sets import ROLES, builtin_names, load_model_set
from service.settings import Settings
from tests.conftest import ARTICLE_EN

GOOD_ROLES = "\n".join(f'[roles.{r}]\nengine = "transformers"\nmodel = "org/{r}"\n' for r in ROLES)


def write(tmp_path, text, name="set.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sets_cover_every_role():
    assert {"default", "nllb"} <= set(builtin_names())
    for name in builtin_names():
        model_set = load_model_set(name)
        assert set(model_set.roles) == set(ROLES)
        assert all(spec.model for spec in model_set.roles.values())


def test_default_set_is_permissive_and_nllb_warns_loudly():
    default = load_model_set("default")
    assert not default.licence_warning
    assert default.spec("en-ja").model != "Helsinki-NLP/opus-mt-en-jap"  # 'jap' is not Japanese
    nllb = load_model_set("nllb")
    assert "NON-COMMERCIAL" in nllb.licence_warning
    assert {nllb.spec(r).model for r in ("en-ko", "en-ja", "ko-en", "ja-en")} == {
        "facebook/nllb-200-distilled-600M"
    }


def test_environment_variable_selects_the_set_at_entry_points_only(monkeypatch, tiny_models):
    monkeypatch.setenv("SERVICE_MODELS", str(tiny_models))
    assert load_model_set(Settings.from_env().models).name == "tiny"
    monkeypatch.setenv("SERVICE_MODELS", "nllb")
    assert load_model_set(Settings.from_env().models).name == "nllb"
    # the library never reads the environment itself: no argument is the built-in default set
    assert load_model_set().name == "default"


def test_folder_with_models_toml_is_accepted(tiny_dir):
    assert load_model_set(tiny_dir).name == "tiny"


def test_relative_model_paths_resolve_against_the_file(tiny_models, tiny_dir):
    spec = load_model_set(tiny_models).spec("en-ko")
    assert spec.model == str((tiny_dir / "marian").resolve())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (GOOD_ROLES.replace("[roles.ja-en]", "[other]"), "missing role(s) ja-en"),
        (GOOD_ROLES.replace('engine = "transformers"', 'engine = "magic"', 1), "unknown engine 'magic'"),
        (GOOD_ROLES + '\n[roles.de-en]\nmodel = "x"\n', "unknown role(s) de-en"),
        (GOOD_ROLES.replace('model = "org/en-ko"', 'modle = "org/en-ko"'), "unknown key(s) modle"),
        (GOOD_ROLES.replace('model = "org/en-ko"', ""), "role en-ko needs a `model`"),
        (GOOD_ROLES.replace('model = "org/en-ko"', 'model = "org/en-ko"\nnum_beams = "four"'), "`num_beams`"),
        (
            GOOD_ROLES.replace(
                '[roles.en-ko]\nengine = "transformers"', '[roles.en-ko]\nengine = "extractive"'
            ),
            "extractive engine can only summarise",
        ),
        ("name = 'x'\n", "no [roles] table"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_model_set_files_are_rejected_with_the_problem_named(tmp_path, text, words):
    with pytest.raises(ModelSetError) as info:
        load_model_set(write(tmp_path, text))
    assert words in str(info.value)


def test_unknown_set_name_lists_the_builtins():
    with pytest.raises(ModelSetError, match="default"):
        load_model_set("no-such-set")


def test_missing_local_model_folder_is_a_clear_model_error(tmp_path, tiny_models):
    text = tiny_models.read_text().replace('model = "./bart"', f'model = "{tmp_path}/gone"')
    pipeline = Pipeline(models=write(tmp_path, text))
    with pytest.raises(ModelUnavailable) as info:
        pipeline.run(ARTICLE_EN)
    assert "summarise" in str(info.value) and "gone" in str(info.value)


def test_hub_model_offline_says_how_to_fetch(tiny_dir, tiny_models):
    text = tiny_models.read_text().replace('model = "./marian"', 'model = "no-such-org/no-such-model"')
    pipeline = Pipeline(models=write(tiny_dir, text, "models-hub.toml"))
    with pytest.raises(ModelUnavailable) as info:
        pipeline.run(ARTICLE_EN)
    message = str(info.value)
    assert "en-ko" in message and "no-such-org/no-such-model" in message
    assert "python -m service models fetch" in message
    # The other roles still work: warm_up reports per role instead of failing as a whole.
    status = pipeline.warm_up()
    assert status["en-ko"] and status["summarise"] is None


def test_request_options_cannot_choose_models(pipeline):
    # run() takes typed keyword arguments; models are not among them (the JSON API refuses the
    # field with a 400 of its own, tests/web)
    with pytest.raises(TypeError, match="models"):
        pipeline.run(ARTICLE_EN, models="default")
