"""How the page looks and behaves in the browser: theme, fonts per language, CSS and one script.

Gradio 6.31 takes these at `launch()`/`mount_gradio_app()` (service/web/app.py). Nothing here
renders model output: the script only sets attributes (`lang`, `aria-label`, `readonly`) on the
components Gradio draws, so text stays text.

Why a script at all: Gradio's Textbox and Dataframe have no `lang` or accessible-name options, and
a non-interactive Textbox is a *disabled* textarea (skipped by Tab, read as "textbox [disabled]").
A MutationObserver re-applies the attributes whenever Gradio re-renders (the Dataframe recycles
its cells on every update).
"""

from __future__ import annotations

import gradio as gr

#: Local fonts only (the page must not fetch fonts). The default stack is Korean-first because the
#: page's own labels mix Hangul and kanji; elements marked lang="ja" switch to the JP face, whose
#: glyph forms (直 骨 刃 述 返) differ from the KR face's.
FONTS = [
    "Noto Sans",
    "Noto Sans CJK KR",
    "Noto Sans CJK JP",
    "Apple SD Gothic Neo",
    "Hiragino Sans",
    "Malgun Gothic",
    "Yu Gothic",
    "ui-sans-serif",
    "system-ui",
    "sans-serif",
]
JA_FONTS = '"Noto Sans", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif'
KO_FONTS = '"Noto Sans", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif'
THEME = gr.themes.Default(font=FONTS, font_mono=["Noto Sans Mono CJK KR", "ui-monospace", "monospace"])

#: Element ids → language of their text (the script sets `lang` on them and their textareas).
LANG_IDS = {
    "out-en": "en",
    "out-ko": "ko",
    "out-ja": "ja",
    "batch-view-en": "en",
    "batch-view-ko": "ko",
    "batch-view-ja": "ja",
    "article-en": "en",
    "article-ko": "ko",
    "article-ja": "ja",
}
#: Element ids → the accessible name of their text box and of its copy button.
NAMES = {
    "out-en": "English summary",
    "out-ko": "Korean translation (한국어)",
    "out-ja": "Japanese translation (日本語)",
    "article-en": "Full article in English",
    "article-ko": "Full article in Korean (한국어)",
    "article-ja": "Full article in Japanese (日本語)",
    "warnings": "Quality warnings",
    "details": "Details",
    "status": "Model status",
    "batch-summary": "Batch summary",
    "batch-view-file": "File shown below",
    "batch-view-en": "English summary of the chosen file",
    "batch-view-ko": "Korean translation of the chosen file (한국어)",
    "batch-view-ja": "Japanese translation of the chosen file (日本語)",
    "batch-view-details": "Details of the chosen file",
}
#: Dataframes whose columns hold one language each (1-based column → language).
TABLE_LANGS = {"aligned": {2: "en", 3: "ko", 4: "ja"}, "batch-view-aligned": {2: "en", 3: "ko", 4: "ja"}}

CSS = f"""
#out-en textarea, #out-ko textarea, #out-ja textarea {{ font-size: 1rem; line-height: 1.6; }}
#status textarea {{ font-size: 0.85rem; }}
:lang(ja), :lang(ja) textarea, textarea:lang(ja), td:lang(ja) {{ font-family: {JA_FONTS} !important; }}
:lang(ko), :lang(ko) textarea, textarea:lang(ko), td:lang(ko) {{ font-family: {KO_FONTS} !important; }}
/* Visible focus for keyboard users (WCAG 2.4.7 / 2.4.11). */
:focus-visible, textarea:focus-visible, input:focus-visible + span {{
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important;
}}
.dark :focus-visible {{ outline-color: #93c5fd !important; }}
/* Contrast (axe color-contrast): the primary button and the footer links. */
#run, #batch-run {{
  background: #c2410c !important; color: #ffffff !important; border-color: #9a3412 !important;
  transition: none !important;
}}
[id^="download-"], [id^="batch-download-"], #clear, #batch-clear {{
  color: var(--body-text-color) !important; transition: none !important;
}}
#run:disabled, #batch-run:disabled {{ background: #57534e !important; cursor: progress; }}
.or {{ color: var(--body-text-color) !important; }}
#article-view, #article-title {{ overflow: visible !important; }}
button[role="tab"] {{ color: var(--body-text-color) !important; }}
footer a, footer button, .show-api, .settings {{ color: var(--body-text-color) !important; }}
/* The error stays on the page until the next run (a glossary file's, beside the glossary box). */
.page-error {{
  border: 2px solid #b91c1c; border-radius: 8px; padding: 0.75rem 1rem; background: #fef2f2; color: #7f1d1d;
}}
.dark .page-error {{ background: #450a0a; color: #fecaca; }}
.page-error h2 {{ font-size: 1.05rem; margin: 0 0 0.25rem 0; color: inherit; }}
/* The sentence table: the row under the pointer stands out across its three languages. */
#aligned [role="row"].virtual-row:hover [role="gridcell"],
#batch-view-aligned [role="row"].virtual-row:hover [role="gridcell"] {{
  background: #fde68a !important; color: #111827 !important;
}}
.visually-hidden {{
  position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap;
}}
#announce {{ padding: 0 !important; margin: 0 !important; min-height: 0 !important; border: 0 !important; }}
#char-count, #detected {{ font-size: 0.9rem; }}
#char-count .over {{ color: #b91c1c; font-weight: 600; }}
/* The upload box is tall enough for its "Click to Upload" text. */
#upload .upload-container {{ height: auto !important; min-height: 110px; }}
/* Full article, paragraph by paragraph, aligned across the languages. */
#article-view table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
#article-view th, #article-view td {{ vertical-align: top; padding: 0.4rem 0.6rem; border-top: 1px solid #d1d5db; }}
#article-view th {{ text-align: left; }}
#article-view .s:hover, #article-view .s.hl {{ background: #fde68a; color: #111827; }}
/* Phones: stack the columns instead of squeezing them to 160 px. */
@media (max-width: 640px) {{
  .row, .gr-row, div.row {{ flex-direction: column !important; }}
  .row > *, div.row > * {{ min-width: 100% !important; }}
  #article-view table, #article-view tbody, #article-view tr, #article-view td, #article-view th {{
    display: block; width: 100%;
  }}
  #article-view thead {{ display: none; }}
}}
"""


def _head_script() -> str:
    import json

    data = json.dumps({"langs": LANG_IDS, "names": NAMES, "tables": TABLE_LANGS})
    return "<script>\n(() => {\nconst CFG = " + data + ";\n" + _SCRIPT + "\n})();\n</script>"


_SCRIPT = r"""
function apply() {
  for (const [id, lang] of Object.entries(CFG.langs)) {
    const el = document.getElementById(id);
    if (!el) continue;
    if (el.getAttribute('lang') !== lang) el.setAttribute('lang', lang);
  }
  for (const [id, name] of Object.entries(CFG.names)) {
    const el = document.getElementById(id);
    if (!el) continue;
    const box = el.querySelector('textarea');
    if (box) {
      if (box.getAttribute('aria-label') !== name) box.setAttribute('aria-label', name);
      // A disabled textarea is skipped by Tab and read as "disabled": make it read-only instead.
      if (box.disabled && !box.dataset.editable) { box.disabled = false; box.readOnly = true; }
    }
    el.querySelectorAll('button[aria-label="Copy"], button[aria-label="Copied"]').forEach((b) => {
      const label = (b.getAttribute('aria-label') === 'Copied' ? 'Copied: ' : 'Copy ') + name;
      b.setAttribute('aria-label', label); b.setAttribute('title', label);
    });
  }
  for (const [id, cols] of Object.entries(CFG.tables)) {
    const el = document.getElementById(id);
    if (!el) continue;
    for (const [col, lang] of Object.entries(cols)) {
      el.querySelectorAll(`tbody td:nth-child(${col}), thead th:nth-child(${col})`).forEach((c) => {
        if (c.getAttribute('lang') !== lang) c.setAttribute('lang', lang);
      });
    }
  }
  // One Tab stop per radio group (Gradio names each radio apart): arrow keys move inside a group.
  document.querySelectorAll('fieldset').forEach((fs, i) => {
    const radios = fs.querySelectorAll('input[type=radio]');
    if (radios.length < 2) return;
    const group = 'group-' + (fs.id || i);
    radios.forEach((r) => { if (r.name !== group) r.name = group; });
  });
}
let pending = false;
const observer = new MutationObserver(() => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; apply(); });
});
function start() {
  apply();
  observer.observe(document.body, { childList: true, subtree: true, attributes: true,
                                     attributeFilter: ['disabled'] });
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
// Ctrl+Enter (Cmd+Enter on a Mac) runs the visible tab's button.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
  const buttons = ['run', 'batch-run'].map((id) => document.getElementById(id));
  const button = buttons.find((b) => b && b.offsetParent !== null && !b.disabled);
  if (button) { event.preventDefault(); button.click(); }
});
// Hovering a sentence in the article view highlights it in every language.
document.addEventListener('mouseover', (event) => {
  const s = event.target.closest && event.target.closest('#article-view .s');
  document.querySelectorAll('#article-view .s.hl').forEach((x) => x.classList.remove('hl'));
  if (!s) return;
  document.querySelectorAll(`#article-view .s[data-s="${s.dataset.s}"]`).forEach((x) => x.classList.add('hl'));
});
"""

HEAD = _head_script()

#: Runs in the browser when a run starts: bring the progress and results into view.
SCROLL_TO_RESULTS = """(...args) => {
  const target = document.getElementById('results-start');
  if (target) target.scrollIntoView({behavior: 'instant', block: 'start'});
  return args;
}"""
