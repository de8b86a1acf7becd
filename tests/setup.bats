#!/usr/bin/env bats
# scripts/setup: each command asks for the packages it needs, names what is
# missing and what it is for, and fails only when the command needs it.
load helpers/common

# A dpkg-query that says every package is installed but those in $MISSING.
fake_dpkg() {
  mkdir -p "$T/fake"
  cat >"$T/fake/dpkg-query" <<'SH'
#!/bin/sh
shift 2                                   # -W -f=FORMAT
for p; do case " $MISSING " in *" $p "*) ;; *) echo "$p installed" ;; esac; done
SH
  chmod +x "$T/fake/dpkg-query"
}

as_student() {                            # no root, no sudo
  [ -n "${PUB:-}" ] || public_copy "$T/fake" "$ROOT/scripts/setup"
  run env PATH="$PUB/fake:$PATH" MISSING="$MISSING" setpriv --reuid=nobody --regid=nogroup \
    --clear-groups "$PUB/setup" "$@"
}

@test "a student without root whose machine lacks only mdp can build, run and grade; the slides say what is missing and what for" {
  fake_dpkg
  MISSING=mdp
  as_student run
  assert_success
  as_student grade
  assert_success
  as_student slides
  assert_failure 1
  assert_output --partial "'slides' needs these Debian packages, and this user cannot install them"
  assert_output --regexp "  mdp +showing the slides"
  assert_output --partial "sudo apt-get install mdp"
}

@test "a missing package a command needs stops it with the package and its purpose named" {
  fake_dpkg
  MISSING="bats-assert tmux"
  as_student grade
  assert_failure 1
  assert_output --regexp "  bats-assert +the graders' checks"
  refute_output --partial tmux                # grading does not need it
  as_student test
  assert_failure 1
  assert_output --regexp "  tmux +the screen tests"
  run "$ROOT/scripts/setup" nope
  assert_failure 2
  assert_output "setup: 'nope': one of run, grade, test, fuzz, slides, all"
}

@test "a package only some scenarios need is named when missing but does not stop make run" {
  fake_dpkg
  MISSING=python3-sysv-ipc
  as_student run
  assert_success
  assert_output --regexp "  python3-sysv-ipc +lesson 08's System V Python programs"
  as_student grade                        # grading lesson 08 needs it
  assert_failure 1
}
