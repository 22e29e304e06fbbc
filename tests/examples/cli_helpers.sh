# Helpers of the example-program CLI checks (sourced): `fail MESSAGE` and
# `expect_error "text the message must contain" ARGS...`, which runs "$bin" ARGS and fails
# unless it exits non-zero with that text in its output. Needs `bin` set.
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_error() {
  local want=$1; shift
  local out rc
  out=$("$bin" "$@" 2>&1); rc=$?
  [ $rc -ne 0 ] || fail "'$*' exited 0"
  grep -q -- "$want" <<<"$out" || fail "'$*': message lacks '$want': $out"
}
