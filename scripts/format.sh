#!/usr/bin/env bash
# The repository's C++ in one format (.clang-format).
#   scripts/format.sh          rewrites every file that differs (make format)
#   scripts/format.sh --check  changes nothing; lists the files that differ and
#                              fails if there is one (make format-check, CI)
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.h' | sort -u)
if [[ "${1:-}" != "--check" ]]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
differ=()
for file in "${files[@]}"; do
  [[ -f "$file" ]] || continue
  if ! "$CLANG_FORMAT" "$file" | cmp -s - "$file"; then differ+=("$file"); fi
done
if ((${#differ[@]})); then
  echo "not formatted as .clang-format says (${#differ[@]} of ${#files[@]} files); run \`make format\`:" >&2
  for file in "${differ[@]}"; do echo "  $file" >&2; done
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format says"
