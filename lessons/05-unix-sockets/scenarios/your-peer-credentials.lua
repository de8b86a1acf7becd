-- your-peer-credentials.lua: exercise 02's cred_server.py, the learner's
-- own, on an abstract name. Where ipclab may run a program as the user
-- nobody (as root: setpriv), a client of nobody connects first and must be
-- refused; then a client of our user connects. Does your server tell them
-- apart from the kernel (SO_PEERCRED)?
scenario {
  title = "Your cred_server.py: who connected, from the kernel",
  about = "Exercise 02 live: your cred_server.py listens on an abstract name (no file: anyone may "
       .. "connect). A client of user nobody connects (as root), then one of ours; does your server "
       .. "refuse the first and print the pid, uid and gid of the second?",
}

local AS_NOBODY = { "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups" }

-- Only root may change its user: try it once with a program that does nothing.
local probe = spawn { AS_NOBODY, "true", name = "probe" }
wait_until(function() return probe:exited() end, 10, "setpriv to try the user nobody")
local stranger_ok = probe:status() == "exit 0"

local mine = Yours "02-peer-credentials"
local name = "@" .. rundir() .. "/creds"
local srv = spawn { mine, "-n", stranger_ok and "2" or "1", name, name = "your server" }
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

if stranger_ok then
  pause("Press space: a client of user nobody connects and sends 'hello'. Your server should refuse it.")
  local them = spawn { AS_NOBODY, C "uds_client", name, "hello", name = "nobody's client" }
  -- The client ends as soon as it has sent: wait for the server's line
  -- about it (refused or served), not for the client.
  local function about_them()
    local o = srv:output()
    return o:find("client pid " .. them.pid .. " ", 1, true) or o:find(": read %d+ bytes")
        or srv:exited()
  end
  wait_until(about_them, 10, "your server's line about nobody's client")
  local refusal = srv:output():match("client pid %d+ uid %d+ gid %d+: not our uid %(%d+%): refused")
  expect(refusal and srv:output():find("client pid " .. them.pid .. " ", 1, true),
         "your server refused nobody's client, naming its pid and uid from the kernel")
  say("Your server said: " .. (refusal or "nothing about a refusal: it served a client of another user"))
else
  say("(Only root may run a client as another user; here " .. (probe:output():match("[^\n]+") or probe:status())
      .. ". As root, this scenario and 'scripts/grade 05/02' show the refusal too.)")
end

pause("Press space: a client of our user connects and sends 'hello'.")
local cl = spawn { C "uds_client", name, "hello", name = "client" }
wait_until(function() return cl:exited() and srv:exited() end, 10, "the client served, your server ended")
local line = srv:output():match("client pid %d+ uid %d+ gid %d+: read %d+ bytes")
expect(line and srv:output():find("client pid " .. cl.pid .. " ", 1, true),
       "your server printed the client's own pid, uid and gid, as the kernel recorded them")
local last = srv:output():gsub("%s+$", ""):match("[^\n]*$")
say("Your server printed: " .. (line or last))
