-- your-safe-bind.lua: exercise 01's safe_server.c, the learner's own,
-- compiled with the kit's flags, started at a path where the kit's
-- uds_server already listens. Does it leave that server its name?
scenario {
  title = "Your safe_server.c, started where a server listens",
  about = "Exercise 01 live: the kit's uds_server listens at srv.sock. Your safe_server.c starts at the "
       .. "same path: does it refuse, or unlink the live server's file and take its clients?",
}

local mine = Yours "01-safe-bind"
say("First your safe_server.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your safe_server.c to compile")
expect(cc:status() == "exit 0", "your safe_server.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local path = rundir() .. "/srv.sock"
local kit = spawn { C "uds_server", path, name = "kit server" }
wait_until(function() return kit:output():match("listening on") end, 10, "the kit's server listening")
say("The kit's uds_server listens at srv.sock.")
pause("Press space: your safe_server starts at the same path.")
local yours = spawn { mine, path, name = "your server" }
wait_until(function() return yours:exited() or yours:output():match("listening on") end, 10,
           "your server to refuse or listen")
local function listeners()
  local n = 0
  for _, s in ipairs(unix(path)) do if s.state == "LISTEN" then n = n + 1 end end
  return n
end
expect(yours:exited() and yours:status() == "exit 1", "your server refused to start: status 1")
expect(listeners() == 1, "one listener at srv.sock: the kit's, with its file")
say("Your server said: " .. yours:output():gsub("%s+$", ""):match("[^\n]*$"))
if not yours:exited() then
  say(("%d sockets LISTEN at srv.sock (the table). Yours unlinked a live server's file and bound "
       .. "its own: new clients reach yours, none the kit's."):format(listeners()))
  say("Unlink only when a connect() to the path is refused (ECONNREFUSED): nobody is there.")
  pause("Press space: both servers are stopped.")
  yours:kill()
end
kit:kill()
wait_until(function() return yours:exited() and kit:exited() end, 10, "both gone")
