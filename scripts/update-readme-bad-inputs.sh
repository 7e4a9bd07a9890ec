#!/usr/bin/env bash
# Regenerates the table of bad inputs (docs/reliability.md, linked from the
# README) from the messages attune gave in tests/cli/bad_input_test.cpp (each
# case run by the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
tests=${1:-build/tests/attune_tests}
table=$(mktemp)
ATTUNE_BAD_INPUT_TABLE=$table "$tests" --gtest_filter='Cases/BadInputTable.*' --gtest_brief=1 > /dev/null
python3 - "$table" <<'PY'
import sys
page = "docs/reliability.md"
rows = open(sys.argv[1]).read()
header = "| case (test `Cases/BadInputTable.<case>`) | exit | first line of the message (DIR: the test's folder) |\n| --- | --- | --- |\n"
text = open(page).read()
begin, end = "<!-- bad-inputs:begin -->\n", "<!-- bad-inputs:end -->"
head, rest = text.split(begin)
_, tail = rest.split(end)
open(page, "w").write(head + begin + header + rows + end + tail)
PY
rm -f "$table"
