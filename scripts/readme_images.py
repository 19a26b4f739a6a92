"""Turn the page screenshots the browser tests save (artifacts/page-*.png, not committed) into the
README's images (docs/images/page-*.svg, committed).

Why SVG: a push to a Hugging Face Space refuses binary files that are not stored through LFS/Xet,
and LFS would make every clone of this repository need git-lfs. An SVG is text: each one here holds
the screenshot as a PNG inside a `data:` URI, so GitHub and the Hub show it like any image and a
plain `git push` to a Space goes through. The PNG is reduced to a 128-colour palette (a page is a
few flat colours and anti-aliased text): 117 KiB instead of 305 KiB for the desktop shot, where a
JPEG at quality 70 was 269 KiB and blurred the CJK strokes.

    python -m pytest tests/web/test_page.py      # writes artifacts/page-desktop.png, -phone, -dark
    python scripts/readme_images.py              # writes docs/images/page-desktop.svg, ...
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ("page-desktop", "page-phone", "page-dark")
COLOURS = 128


def svg_of(png: Path) -> str:
    image = Image.open(png).convert("RGB").quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    w, h = image.size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="{png.stem}">\n'
        f'<image width="{w}" height="{h}" href="data:image/png;base64,{data}"/>\n</svg>\n'
    )


def main() -> int:
    missing = [name for name in SHOTS if not (ROOT / "artifacts" / f"{name}.png").exists()]
    if missing:
        print(
            f"missing {', '.join(missing)}: run `python -m pytest tests/web/test_page.py` first",
            file=sys.stderr,
        )
        return 2
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    for name in SHOTS:
        target = out / f"{name}.svg"
        target.write_text(svg_of(ROOT / "artifacts" / f"{name}.png"), encoding="ascii")
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
