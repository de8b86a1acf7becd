-- your-open-order.lua: exercise 01's ping_node.c, the learner's own,
-- compiled with the kit's flags into the run's folder, then run as both
-- nodes of a pair on two FIFOs: node b first, then node a. open() of a
-- FIFO returns only once the other end is opened too: nodes whose opens
-- do not meet are caught asleep in openat, both, for good.
scenario {
  title = "Your ping_node.c: two nodes, two FIFOs, one open order",
  about = "Exercise 01 live: your ping_node.c (compiled as the grader does) runs as node b, "
       .. "then as node a, on two FIFOs. Do their opens meet, or do both sleep in openat() "
       .. "for ever, each waiting for the other?",
}

local mine = Yours "01-open-order"
say("First your ping_node.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your ping_node.c to compile")
expect(cc:status() == "exit 0", "your ping_node.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  -- Its first error, where it is: the rest is in the transcript (--record).
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local a_to_b, b_to_a = fifo("a-to-b"), fifo("b-to-a")
local dir = a_to_b.path:match("(.*)/")
watch(a_to_b)
watch(b_to_a)

local b = spawn { mine, "b", dir, name = "your node b" }
wait_until(function() return b:exited() or b:blocked_in("openat") end, 10,
           "your node b to reach its first open()")
if b:exited() then
  say("Your node b ended at once, with " .. b:status() .. ": " .. b:output():sub(-200))
  expect(false, "your node b waits in open() for node a")
  return
end
say("Your node b sleeps in openat(): " .. (b:output():match("[^\n]*opening[^\n]*") or "?")
    .. ". A FIFO's open() returns only once the other end is opened too.")
pause("Next your node a starts, on the same two FIFOs. Do their opens meet? Press space.")

local a = spawn { mine, "-n", "3", "a", dir, name = "your node a" }
-- Ended, or both asleep in openat: nodes whose opens meet are never seen so
-- for long (the second open returns at once and wakes the first).
local function stuck() return a:blocked_in("openat") and b:blocked_in("openat") end
wait_until(function() return (a:exited() and b:exited()) or stuck() end, 10,
           "your nodes to end, or to sleep in openat() both")
if not (a:exited() and b:exited()) then
  sleep(1)                  -- still so a second later: for good
  if stuck() then
    say("A second later both nodes still sleep in openat(): each waits for the other to open "
        .. "a FIFO, which it can do only once its own open() has returned. A deadlock.")
    say("node a: " .. (a:output():match("([^\n]*opening[^\n]*)\n?$") or "?"))
    say("node b: " .. (b:output():match("([^\n]*opening[^\n]*)\n?$") or "?"))
  end
end
wait_until(function() return (a:exited() and b:exited()) or stuck() end, 10,
           "your nodes to end")
expect(a:exited() and b:exited(), "both nodes ended: their opens met")
expect(a:output():find("reply 3: pong: ping 3 (from C)", 1, true),
       "node a printed the 3 replies")
expect(a:status() == "exit 0" and b:status() == "exit 0", "both ended with status 0")
if not a:exited() then a:kill() end
if not b:exited() then b:kill() end
