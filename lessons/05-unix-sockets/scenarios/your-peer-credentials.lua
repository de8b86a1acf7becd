-- your-peer-credentials.lua: exercise 02's cred_server.py, the learner's
-- own, on an abstract name; a client of our user connects. Does your
-- server say who it is, from the kernel (SO_PEERCRED)?
scenario {
  title = "Your cred_server.py: who connected, from the kernel",
  about = "Exercise 02 live: your cred_server.py listens on an abstract name (no file: anyone may "
       .. "connect). A client of our user connects; does your server print its pid, uid and gid?",
}

local mine = Yours "02-peer-credentials"
local name = "@" .. rundir() .. "/creds"
local srv = spawn { mine, "-n", "1", name, name = "your server" }
wait_until(function() return srv:exited() or srv:output():match("listening on") end, 10,
           "your server's readiness line")
if srv:exited() then
  say("Your server ended: " .. (srv:output():sub(-200):gsub("%s+$", "")))
  expect(false, "your server prints 'listening on @NAME' once it listens")
  return
end
local function listener()
  for _, s in ipairs(unix(name)) do if s.state == "LISTEN" then return s end end
end
expect(listener() and listener().process == srv, "your server listens on the abstract name: no file anywhere")
say("Your server listens on an abstract name: no file, no permissions to check. SO_PEERCRED is the check.")
pause("Press space: a client of our user connects and sends 'hello'.")
local cl = spawn { C "uds_client", name, "hello", name = "client" }
wait_until(function() return cl:exited() and srv:exited() end, 10, "the client served, your server ended")
local line = srv:output():match("client pid %d+ uid %d+ gid %d+: read %d+ bytes")
expect(line and srv:output():find("client pid " .. cl.pid .. " ", 1, true),
       "your server printed the client's own pid, uid and gid, as the kernel recorded them")
local last = srv:output():gsub("%s+$", ""):match("[^\n]*$")
say("Your server printed: " .. (line or last))
