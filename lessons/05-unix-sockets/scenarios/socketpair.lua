-- socketpair.lua: lesson 01's pipe_child, unchanged, talked to over one
-- socketpair() instead of two pipes; then the parent that forgets to close
-- its copy of the child's end (--forget-close) and never sees EOF.
scenario {
  title = "socketpair(): lesson 01's child over one pair, and the forgotten close",
  about = "One pair goes both ways, where lesson 01 needed two pipes; shutdown() gives the child EOF. "
       .. "A parent that keeps the child's end never sees EOF: asleep in read() for ever.",
}

say("pair_parent makes one socketpair() and starts lesson 01's pipe_child, unchanged, with its end of "
    .. "the pair as both stdin and stdout: one pair where lesson 01 needed two pipes.")
pause("Press space: the parent sends 3 pings and reads the replies.")
local good = spawn { C "pair_parent", "-n", "3", "--", C "pipe_child", name = "parent" }
wait_until(function() return good:exited() end, 10, "the parent to get its replies")
expect(good:status() == "exit 0" and good:output():find("got 3 replies", 1, true),
       "three pings over the pair, shutdown(SHUT_WR), three replies, the child reaped")
say("pair_parent sent 3 pings on its end of the pair, then shutdown(SHUT_WR): the child answered "
    .. "each ping, read EOF and exited; the parent read 3 replies and EOF.")
pause("Press space: the same, but the parent keeps its copy of the child's end (--forget-close).")

local bad = spawn { C "pair_parent", "-n", "3", "--forget-close", "--", C "pipe_child", name = "forgetful" }
local child = wait_until(function() return bad:children()[1] end, 10, "the child")
wait_until(function() return child:exited() or child:state().state == "zombie" end, 10, "the child to end")
wait_until(function() return bad:blocked_in("read") end, 10, "the parent asleep in read()")
local held = 0
for _, s in ipairs(bad:sockets("unix")) do held = held + 1 end
expect(bad:blocked_in("read") and held == 2,
       "the child has ended, yet the parent sleeps in read(): it holds both ends of the pair itself")
say(("The child answered and exited; the parent sleeps in read(), holding %d ends of the pair: "
     .. "EOF needs every descriptor of the child's end closed, its own too."):format(held))
pause("Press space to end it.")
bad:kill()
wait_until(function() return bad:exited() end, 10, "the parent gone")
