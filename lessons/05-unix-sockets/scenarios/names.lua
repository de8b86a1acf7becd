-- names.lua: a socket's name. A server killed with SIGKILL leaves its
-- socket file; the kit's uds_server removes it only when a connect() to it
-- is refused, and refuses a name where a server lives. An abstract name
-- (@NAME) makes no file. A path of 108 bytes does not fit in sun_path.
scenario {
  title = "Names: stale socket files, live ones, abstract names, sun_path",
  about = "A crashed server's file: connect() is refused, so it is safe to remove. A live one: "
       .. "connect() succeeds, leave it. @NAME: no file at all, but no permissions either. 108 bytes: too long.",
}

local path = rundir() .. "/srv.sock"
local function listeners(name)
  local l = {}
  for _, s in ipairs(unix(name)) do if s.state == "LISTEN" then l[#l + 1] = s end end
  return l
end

local old = spawn { C "uds_server", path, name = "crashed" }
wait_until(function() return old:output():match("listening on") end, 10, "the first server listening")
say("A server listens at srv.sock. We kill it with SIGKILL: no handler runs, nobody removes the file.")
pause("Press space to kill it.")
old:kill()
wait_until(function() return old:exited() and #listeners(path) == 0 end, 10, "the server gone")
expect(#listeners(path) == 0, "nothing listens at srv.sock any more; its file stays (a bind() there fails: EADDRINUSE)")
say("The kernel lists no socket at srv.sock any more (its row is gone), but the file stays in the "
    .. "folder (ls shows it, type s): a stale socket file. A bind() there fails with EADDRINUSE.")
pause("Press space: a new server at the same path.")

local srv = spawn { C "uds_server", path, name = "server" }
wait_until(function() return srv:exited() or srv:output():match("listening on") end, 10, "the new server")
expect(srv:output():find("removed a stale socket: nobody there (connect: Connection refused)", 1, true),
       "bind() failed, connect() to the file was refused: nobody there, so it removed the file and bound")
say("The new server: 'removed a stale socket: nobody there (connect: Connection refused)', then it listens.")
pause("Press space: a second server at the same path, while this one lives.")

local again = spawn { C "uds_server", path, name = "second" }
wait_until(function() return again:exited() end, 10, "the second server to refuse")
expect(again:status() == "exit 1" and again:output():find("a server is there (connect succeeded)", 1, true),
       "the second refused, status 1: connect() succeeded, a server lives there")
expect(#listeners(path) == 1 and listeners(path)[1].process == srv, "the first keeps its name and its file")
say(("The second server's connect() succeeded: someone lives there. It said so and ended; nothing removed. "
     .. "The first server saw that probe as a client, pid %d, that sent nothing: 'end of stream after 0 reads'.")
    :format(again.pid))
pause("Press space: an abstract name.")
srv:kill()

local abs = "@" .. rundir() .. "/abstract"
local a = spawn { C "uds_server", "-n", "1", abs, name = "abstract" }
wait_until(function() return a:output():match("listening on") end, 10, "the abstract server listening")
expect(#listeners(abs) == 1, "the kernel lists a listener at " .. abs:sub(1, 1) .. "...: a name with a NUL first, no file")
say("@NAME: the address starts with a NUL byte. No file is made, none is left: it goes with the socket. "
    .. "No file also means no permissions: anyone here may connect; check SO_PEERCRED (exercise 02).")
pause("Press space: a client connects to the abstract name.")
local cl = spawn { C "uds_client", "--count", "1", abs, name = "client" }
wait_until(function() return cl:exited() and a:exited() end, 10, "the client served")
expect(a:output():find("client pid " .. cl.pid .. " uid", 1, true), "the server names its client by pid and uid, from the kernel")
expect(#listeners(abs) == 0, "the server gone, its name is gone too: nothing to remove")
say(("The server named its client from the kernel: '%s'. It ended, and @NAME went with it."):format(
    a:output():match("client pid %d+ uid %d+ gid %d+") or "?"))
pause("Press space: a path of 108 bytes.")

local long = rundir() .. "/" .. ("x"):rep(107 - #rundir())
local too = spawn { C "uds_server", long, name = "long" }
wait_until(function() return too:exited() end, 10, "the server with a long path to end")
expect(#long == 108 and too:status() ~= "exit 0" and too:output():find("a path of 108 bytes does not fit in sun_path", 1, true),
       "a path of 108 bytes is refused before any call: sun_path holds 107 and the NUL")
say("sun_path is 108 bytes with the NUL: a path of 108 is refused, naming the limit. The tutorial's "
    .. "strncpy() cuts it short and binds another name, without a word.")
