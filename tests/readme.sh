#!/bin/sh
# The README's two commands (set up + demo, set up + every test) are the
# ones CI runs and the docs quote: read them out of README.md and compare.
# Ends with "readme: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
check() { # check WHAT CONDITION...
	what=$1; shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

# the first indented line after a paragraph that is exactly $1
command_after() {
	awk -v head="$1" '
		$0 == head { found = 1; next }
		found && /^    [^ ]/ { sub(/^    /, ""); print; exit }' "$TOP/README.md"
}
demo=$(command_after "Set up and run the demo:")
tests=$(command_after "Run every test:")
echo "demo command:  $demo"
echo "test command:  $tests"
check "README has a demo command" [ -n "$demo" ]
check "README has a test command" [ -n "$tests" ]
check "the demo command ends in make demo" [ "${demo##* && }" = "make demo" ]
check "the test command ends in make check" [ "${tests##* && }" = "make check" ]
check "both set up the same way" [ "${demo%% && *}" = "${tests%% && *}" ]
check "neither needs sudo to be installed" [ "${tests#sudo }" = "$tests" ]

# .ci/run runs the test command as one line of its own, and nothing else
ci_line=$(grep -vE '^[[:space:]]*(#|$|set |cd )' "$TOP/.ci/run")
check ".ci/run runs exactly the README's test command" [ "$ci_line" = "$tests" ]

# every other mention of install-deps in the docs is one of the two commands
for f in $(grep -rl 'install-deps' "$TOP/docs" "$TOP/tests/vm/README" 2>/dev/null); do
	grep 'install-deps' "$f" | sed 's/^[[:space:]]*//' | while IFS= read -r line; do
		[ "$line" = "$demo" ] || [ "$line" = "$tests" ] || echo "$line"
	done >"${TMPDIR:-/tmp}/readme-drift.$$"
	check "$f quotes the README's commands" [ ! -s "${TMPDIR:-/tmp}/readme-drift.$$" ]
	rm -f "${TMPDIR:-/tmp}/readme-drift.$$"
done
echo "readme: $pass passed, $fail failed"
[ "$fail" = 0 ]
