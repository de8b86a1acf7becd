-- refused-then-ready.lua: a connect() before the server listens is
-- refused (ECONNREFUSED); the server's readiness line, printed once
-- listen() has returned, is when a client may start. Never a sleep.
scenario {
  title = "Connecting before the server listens: refused, then the readiness line",
  about = "tcp_server --hold binds its port and waits before listen(): a client's connect() is "
       .. "refused (ECONNREFUSED). Once it listens it says so on its first line, and a client "
       .. "started after that line is answered.",
}

local server = spawn { C "tcp_server", "--hold", "-n", "1", name = "server" }
local port = tonumber(wait_until(function()
  return server:output():match("bound to 127%.0%.0%.1:(%d+), not listening yet") end, 10, "the server bound"))
wait_until(function() return server:blocked_in("rt_sigtimedwait") end, 10, "the server waiting for SIGUSR1")
local function listener()
  for _, s in ipairs(tcp(port)) do if s.state == "LISTEN" then return s end end
end
local mine = server:sockets()[1]
say(("The server has bound 127.0.0.1:%d and waits for SIGUSR1 before listen(). The kernel shows its "
     .. "socket in state %s, not LISTEN: nobody listens on that port."):format(port, mine and mine.state or "?"))
expect(mine and mine.state == "CLOSE" and not listener(), "the server's socket is bound (CLOSE), no socket listens on the port")
pause("Ask the class: what does a client that connects now get? Press space to start one.")

local early = spawn { C "tcp_client", tostring(port), "hello", name = "early client" }
wait_until(function() return early:exited() end, 10, "the early client to end")
expect(early:status() == "exit 1" and early:output():find("Connection refused", 1, true),
       "the early client's connect() is refused (ECONNREFUSED): status 1")
say("It printed: " .. (early:output():match("[^\n]*Connection refused[^\n]*") or early:output())
    .. ". A sleep before the client only makes this rarer.")
pause("Press space: the server gets SIGUSR1, calls listen(), and prints its readiness line.")

server:signal("USR1")
wait_until(function() return server:output():find("listening on 127.0.0.1:" .. port, 1, true) end, 10,
           "the readiness line")
wait_until(listener, 10, "the listening socket")
expect(listener().process == server, "now the kernel shows the server's socket in LISTEN on the port")
say(("Its first line on stdout: 'listening on 127.0.0.1:%d'. That line is the readiness signal: "
     .. "listen() has returned, a connect() succeeds."):format(port))
pause("Press space: a client, started after that line.")
local client = spawn { C "tcp_client", tostring(port), "hello", name = "client" }
wait_until(function() return client:exited() end, 10, "the client to get its reply")
expect(client:status() == "exit 0" and client:output():find("reply 1: hello (from C)", 1, true),
       "a client started after the readiness line gets its reply")
say("The client printed: " .. (client:output():match("reply 1: [^\n]*") or "nothing")
    .. ". The server, started with -n 1, ends after its one client.")
wait_until(function() return server:exited() end, 10, "the server to end")
expect(server:status() == "exit 0", "the server served its client and ended, status 0")
