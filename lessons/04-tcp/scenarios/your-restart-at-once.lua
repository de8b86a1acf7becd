-- your-restart-at-once.lua: exercise 03's restart_server.c, the learner's
-- own, compiled with the kit's flags. It serves one client and closes the
-- connection first, so the kernel keeps it in TIME-WAIT on its port; then
-- it is started again at once on that port. Does bind() succeed?
scenario {
  title = "Your restart_server.c, started again on its port at once",
  about = "Exercise 03 live: your restart_server.c answers a client and closes first: TIME-WAIT on its "
       .. "port. Started again at once with --port, does it listen, or fail in bind() with "
       .. "EADDRINUSE?",
}

local mine = Yours "03-restart-at-once"
say("First your restart_server.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your restart_server.c to compile")
expect(cc:status() == "exit 0", "your restart_server.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

say("It is built as yours-restart_server in the run's folder: its messages start 'yours-restart_server:'.")
local first = spawn { mine, "-n", "1", name = "your server" }
pcall(wait_until, function()
  return first:exited() or first:output():match("listening on 127%.0%.0%.1:(%d+)") end, 10, "its readiness line")
local port = tonumber(first:output():match("listening on 127%.0%.0%.1:(%d+)"))
if not port then
  say(("Your server printed no readiness line and ended with %s: %s"):format(tostring(first:status()),
      (first:output():sub(-200):gsub("%s+$", ""))))
  expect(false, "your server prints 'listening on 127.0.0.1:PORT' once it listens")
  if not first:exited() then first:kill() end
  return
end
local function server_end()
  for _, s in ipairs(tcp(port)) do if s.port == port and s.state ~= "LISTEN" and s.process == first then return s end end
end
-- --wait-close: the client reads the reply, then waits for your server to
-- close, so the server's close() always comes first.
local client = spawn { C "tcp_client", "--hold", "--wait-close", tostring(port), "hello", name = "client" }
wait_until(function() return client:blocked_in("rt_sigtimedwait") and server_end() end, 10, "the client connected")
say(("Your server listens on port %d; a client has connected (it waits before sending)."):format(port))
pause("Press space: the client sends; your server answers and closes the connection first.")
client:signal("USR1")
wait_until(function() return client:exited() and first:exited() end, 10, "the client answered, your server ended")
local function time_wait()
  for _, s in ipairs(tcp(port)) do if s.state == "TIME-WAIT" and s.port == port then return s end end
end
pcall(wait_until, time_wait, 10, "TIME-WAIT on your server's port")
local tw = time_wait()
expect(client:output():find("echo: hello", 1, true) and tw ~= nil,
       "your server answered and closed first: its end of the connection is in TIME-WAIT on its port")
if tw then
  say(("The kernel keeps %s -> %s in TIME-WAIT, held by no process."):format(tw["local"], tw.peer))
end
pause("Press space: your server, started again at once with --port " .. port .. ".")

local again = spawn { mine, "--port", tostring(port), "-n", "1", name = "your server again" }
pcall(wait_until, function()
  return again:exited() or again:output():find("listening on 127.0.0.1:" .. port, 1, true) end, 10,
  "your server to listen again")
local listening = again:output():find("listening on 127.0.0.1:" .. port, 1, true) ~= nil
if not listening then
  say("It said: " .. (again:output():sub(-200):gsub("%s+$", "")))
end
expect(listening, "started again at once, it listens on the same port, beside the TIME-WAIT")
if listening then
  local c2 = spawn { C "tcp_client", "--wait-close", tostring(port), "again", name = "client 2" }
  wait_until(function() return c2:exited() and again:exited() end, 10, "the second client answered")
  expect(c2:output():find("echo: again", 1, true), "and it answers a client there")
end
if not again:exited() then again:kill() end
wait_until(function() return again:exited() end, 10, "your server gone")
