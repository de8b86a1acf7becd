# tests/helpers/hostile.bash - a parent program (lesson 01's pipe_parent,
# lesson 05's pair_parent) facing tests/hostile/hostile_pipe.py as its
# child. Loaded after helpers/common; the test file defines parent_said
# (what the parent said on stderr, its lines that name the child's
# descriptors left out).

HOSTILE=$ROOT/tests/hostile/hostile_pipe.py

# facing_flood PARENT NAME OBJECT: PARENT -n 3 with a child that sends
# 10000 replies (200 KB: more than a pipe or a socketpair holds), as fast
# as they go, whatever the pings. PARENT refuses the first reply past the
# pings it sent by then (on OBJECT: pipe, socket), ends the child, status
# 1; never prints more replies than pings.
facing_flood() {
  local parent=$1 name=$2 obj=$3
  bg_reaped p $parent -n 3 -- "$PYTHON" "$HOSTILE" --child flood 10000 16
  status=0
  wait "$p_reaper" || status=$?
  assert_equal "$status" 1
  (($(grep -c '^reply ' "$T/p.out") <= 3)) ||
    fail "$parent printed $(grep -c '^reply ' "$T/p.out") replies to 3 pings"
  [[ $(parent_said | tail -n 2) =~ ^$name(\.py)?:\ reply\ ([1-4])\ from\ $obj:\[[0-9]+\]\ \(fd\ [0-9]+\):\ a\ reply\ to\ no\ ping:\ ([0-3])\ pings?\ sent$'\n'$name(\.py)?:\ giving\ up\ on\ child\ [0-9]+\ \($PYTHON\):\ sent\ it\ SIGTERM\;\ child\ (killed\ by\ signal\ 15\ \(Terminated\)|exited\ with\ status\ 0)$ ]] ||
    fail "$parent: $(parent_said)"
  # The reply refused is the one past the pings sent by then.
  assert_equal "${BASH_REMATCH[2]}" $((BASH_REMATCH[3] + 1))
}
