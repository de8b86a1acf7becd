-- open-deadlock.lua: the classic FIFO deadlock, live, then its fix.
-- Each node opens the FIFO it reads first (--open-order read-first): both
-- sleep in open() waiting for a writer, and the writer each waits for is
-- the other, asleep too. Opening in one order on both sides cannot deadlock.
scenario {
  title = "Two programs that wait for each other in open()",
  about = "Each node opens the FIFO it reads first: both sleep in open() for ever. "
       .. "The fix is one order for both, as with locks.",
}

local ab, ba = fifo("a-to-b"), fifo("b-to-a")
local dir = ab.path:match("(.*)/")
watch(ab)
watch(ba)

say("Node a (C) and node b (Python) each open the FIFO they read first (--open-order read-first).")
local a = spawn { C "fifo_node", "--open-order", "read-first", "a", dir, name = "node a" }
local b = spawn { Python "fifo_node.py", "--open-order", "read-first", "b", dir, name = "node b" }
wait_until(function() return a:blocked_in("openat") and b:blocked_in("openat") end, 10,
           "both nodes asleep in open()")
local sa, sb = a:state(), b:state()
say(("Node a: %s in %s on %s, to %s."):format(sa.state, sa.call, sa.object, sa.opening))
say(("Node b: %s in %s on %s, to %s."):format(sb.state, sb.call, sb.object, sb.opening))
expect(sa.opening == "read" and sa.object == "FIFO " .. ba.path,
       "node a waits in open() to read b-to-a: it needs b to open it to write")
expect(sb.opening == "read" and sb.object == "FIFO " .. ab.path,
       "node b waits in open() to read a-to-b: it needs a to open it to write")
expect(#ab:holders() == 1 and #ba:holders() == 1 and ab:holders()[1].opening and ba:holders()[1].opening,
       "neither FIFO is open: one process waits on each, and nobody holds either")
say("Each waits for a writer, and the only writer of each is the other node, asleep too. "
 .. "Nothing will ever wake them: a deadlock, with no CPU used.")

pause("Ask the class: how long will they wait? Press space to check again a moment later.")
sleep(1)
local still = a:blocked_in("openat") and b:blocked_in("openat")
expect(still, "a moment later both still sleep in open()")
-- how(P): what P is doing now, for the narration, whoever ended it.
local function how(p)
  return p:exited() and "ended (" .. p:status() .. ")" or "asleep in " .. (p:state().call or "?")
end
if still then
  say("No timeout, no error: the kernel sees two sleeping processes, nothing wrong. "
   .. "Press space: the scenario ends them (SIGKILL: nothing else would).")
else
  say(("Not both asleep any more: node a %s, node b %s; something else ended one (the k key?). "
       .. "Press space: the scenario ends what is left (SIGKILL)."):format(how(a), how(b)))
end
pause()
a:kill()
b:kill()
wait_until(function() return a:exited() and b:exited() end, 10, "both nodes killed")
say(("Node a ended (%s), node b ended (%s)."):format(a:status(), b:status()))

say("The fix: open the FIFOs in one order on both sides (a-to-b first, then b-to-a), "
 .. "as one takes two locks in one order. The kit's nodes do this by default.")
pause("Press space: the same two nodes, one order.")
local a2 = spawn { C "fifo_node", "a", dir, name = "node a" }
local b2 = spawn { Python "fifo_node.py", "b", dir, name = "node b" }
wait_until(function() return a2:exited() and b2:exited() end, 10, "both nodes to finish")
expect(a2:status() == "exit 0" and a2:output():find("reply 3: pong: ping 3 (from Python)", 1, true),
       "with one order, node a got its three pongs and exited 0")
expect(b2:status() == "exit 0", "node b saw EOF and exited 0")
say("a's first open (a-to-b, to write) meets b's first open (a-to-b, to read): both return. "
 .. "The second opens meet the same way. (O_RDWR on a FIFO also never waits, but fifo(7) "
 .. "leaves it undefined by POSIX, and a node that holds both ends never sees EOF.)")
