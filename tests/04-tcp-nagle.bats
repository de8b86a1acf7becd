#!/usr/bin/env bats
# Lesson 04: nagle (C and Python), a request-reply of two small writes a
# request, with and without TCP_NODELAY. The time it prints is a figure
# for this machine, never asserted: what is asserted is what the kernel
# says of the option (getsockopt) and that every exchange was made.

load helpers/common
load helpers/tcp
bats_require_minimum_version 1.5.0

@test "nagle: TCP_NODELAY as getsockopt reads it back, 0 by default and 1 with --nodelay, and every exchange made, C and Python" {
  local p
  for p in "$(c nagle)" "$(py nagle)"; do
    run --separate-stderr $p -n 3
    assert_success
    assert_line --index 0 "TCP_NODELAY: 0 (getsockopt on the client's socket)"
    assert_line --index 1 --regexp '^3 exchanges, two small writes each: [0-9]+\.[0-9]{3} ms per exchange \(this machine, this run\)$'
    run --separate-stderr $p -n 50 --nodelay
    assert_success
    assert_line --index 0 "TCP_NODELAY: 1 (getsockopt on the client's socket)"
    assert_line --index 1 --regexp '^50 exchanges, two small writes each: '
  done
}
