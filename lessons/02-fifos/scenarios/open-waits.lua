-- open-waits.lua: open() of a FIFO sleeps until the other end is opened.
-- Two nodes talk over two FIFOs, one each way (fifo_node.c/.py). Node a
-- starts alone and sleeps in open(); node b's open is its partner.
scenario {
  title = "open() of a FIFO waits for a partner",
  about = "A Python node opens a FIFO to write and sleeps in open() until a C node opens it to read; "
       .. "then they exchange framed pings and pongs, and each ends when the other goes.",
}

local ab, ba = fifo("a-to-b"), fifo("b-to-a")   -- 0600, in the run's 0700 folder
local dir = ab.path:match("(.*)/")
watch(ab)
watch(ba)

say("Two FIFOs, a-to-b and b-to-a, made 0600 in this run's private folder. Node a (Python) starts alone.")
local a = spawn { Python "fifo_node.py", "-n", "3", "a", dir, name = "node a" }
wait_until(function() return a:blocked_in("openat") end, 10, "node a asleep in open()")
local s = a:state()
say(("Node a is %s in %s(), opening %s to %s: no reader yet, so open() waits."):format(
  s.state, s.call, s.object, s.opening))
expect(s.call == "openat" and s.opening == "write" and s.object == "FIFO " .. ab.path,
       "node a sleeps in openat() on a-to-b, opening it to write")
local h = ab:holders()
expect(#h == 1 and h[1].opening and h[1].process == a,
       "nobody holds a-to-b yet: node a only waits to open it")
say("A FIFO has a name in the file system, but no data goes through the name: "
 .. "open() returns only when both a reader and a writer have it open.")

pause("Press space: node b (C) opens a-to-b to read.")
local b = spawn { C "fifo_node", "b", dir, name = "node b" }
wait_until(function() return a:exited() and b:exited() end, 10, "both nodes to finish")
expect(a:status() == "exit 0" and a:output():find("reply 3: pong: ping 3 (from C)", 1, true),
       "node a got three pongs from the C node and exited 0")
expect(b:status() == "exit 0" and b:output():find("answered 3 pings", 1, true),
       "node b answered three pings, saw end of file when a closed, and exited 0")
say("Node a closed its write end after the last pong: b's read() returned 0 (EOF), "
 .. "b closed its own, and a read EOF too. Both ended cleanly.")
