#!/usr/bin/env bash
# Regenerates the YAML reference (docs/yaml-reference.md, linked from the README)
# from `attune docs`.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/attune}
python3 - "$binary" <<'PY'
import subprocess, sys
page = "docs/yaml-reference.md"
docs = subprocess.run([sys.argv[1], "docs"], check=True, capture_output=True, text=True).stdout
text = open(page).read()
begin, end = "<!-- yaml-reference:begin -->\n", "<!-- yaml-reference:end -->"
head, rest = text.split(begin)
_, tail = rest.split(end)
open(page, "w").write(head + begin + docs + end + tail)
PY
