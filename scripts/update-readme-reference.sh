#!/usr/bin/env bash
# Regenerates the README's YAML reference from `attune docs`.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/attune}
python3 - "$binary" <<'PY'
import subprocess, sys
docs = subprocess.run([sys.argv[1], "docs"], check=True, capture_output=True, text=True).stdout
text = open("README.md").read()
begin, end = "<!-- yaml-reference:begin -->\n", "<!-- yaml-reference:end -->"
head, rest = text.split(begin)
_, tail = rest.split(end)
open("README.md", "w").write(head + begin + docs + end + tail)
PY
