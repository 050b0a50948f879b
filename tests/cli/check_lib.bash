# Shared helpers of the CLI black-box tests (sourced; not a test itself).
# Counters: `passed` and `failed`, which the script reports and turns into its exit status.
passed=0 failed=0

check() {  # check NAME COMMAND... : the command must succeed
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL: $name"; failed=$((failed + 1)); fi
}

json_expect() {  # json_expect FILE PYTHON-EXPR (j is the parsed JSON)
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}
