-- tutorial-pair.lua: the common tutorial's Unix socket pair
-- (naive_uds_server, naive_uds_client): it unlinks its path blindly before
-- bind(), so a second copy takes the first one's name while it runs.
scenario {
  title = "The tutorial's Unix socket server: unlink() before bind(), blindly",
  about = "A second tutorial server removes the first one's live socket file and binds its own: "
       .. "the first sleeps in accept() for good, unreachable. Two sends come back merged.",
}

local path = rundir() .. "/mysocket"
local function listeners()
  local l = {}
  for _, s in ipairs(unix(path)) do if s.state == "LISTEN" then l[#l + 1] = s end end
  return l
end

local first = spawn { C "naive_uds_server", path, name = "first" }
wait_until(function() return first:blocked_in("accept") end, 10, "the first server asleep in accept()")
expect(#listeners() == 1 and listeners()[1].process == first, "the first server listens at " .. path:match("[^/]*$"))
say("The tutorial's server listens at mysocket in the run's folder and sleeps in accept().")
pause("Ask the class: what does a second copy of it do? Press space to start one.")

local second = spawn { C "naive_uds_server", path, name = "second" }
wait_until(function() return second:blocked_in("accept") end, 10, "the second server asleep in accept()")
wait_until(function() return #listeners() == 2 end, 10, "two listeners at the name")
expect(#listeners() == 2, "two sockets listen under one name: the kernel keeps the first's, with no file to reach it")
say("The second called unlink(\"mysocket\") and bound its own: the first's live file is gone. "
    .. "Two LISTEN rows named mysocket; only the second's has a file, so every connect() reaches it.")
pause("Press space: we stop the second (SIGSTOP), as on a busy machine; a client sends 'hello', 'world'.")

second:stop()
wait_until(function() return second:state().state == "stopped" end, 10, "the second server stopped")
local client = spawn { C "naive_uds_client", path, "hello", "world", name = "client" }
wait_until(function() return client:exited() end, 10, "the client to send and leave")
second:cont()
wait_until(function() return second:output():find("Received:", 1, true) end, 10, "the second server's line")
expect(second:output():find("Received:", 1, true) and not first:output():find("Received:", 1, true),
       "the client reached the second server; the first got nothing")
expect(first:blocked_in("accept"), "the first sleeps in accept() for good: no file leads to it any more")
local line = second:output():match("Received: [^\n]*") or "nothing"
say("The second printed '" .. line .. "': the client's two send()s, queued before it read, "
    .. "came back from one recv(). A stream keeps no boundaries.")
pause("Press space to end both servers.")
first:kill()
second:kill()
wait_until(function() return first:exited() and second:exited() end, 10, "both servers gone")
say("The fix, in exercise 01: bind() first; on EADDRINUSE, connect() to the name; unlink() only "
    .. "when that is refused (ECONNREFUSED: nobody listens). 05/names shows the kit's server doing it.")
