-- your-safe-open.lua: exercise 03's fifo_send.c, the learner's own,
-- compiled with the kit's flags into the run's folder: first through a
-- good FIFO (ours, 0600) that the kit's pipe_reader reads, then at a name
-- where a regular file was planted, then at a symbolic link to that file.
-- A sender that opens whatever is at the name writes into the file.
scenario {
  title = "Your fifo_send.c: only through a FIFO of ours",
  about = "Exercise 03 live: your fifo_send.c sends frames through a good FIFO, then is given "
       .. "a regular file and a link to it in the FIFO's place. Does it refuse them, or "
       .. "write our bytes into the file?",
}

local mine = Yours "03-safe-open"
say("First your fifo_send.c is compiled with the kit's flags, as make grade does.")
local cc = spawn(mine.build)
wait_until(function() return cc:exited() end, 60, "your fifo_send.c to compile")
expect(cc:status() == "exit 0", "your fifo_send.c compiles with the kit's flags")
if cc:status() ~= "exit 0" then
  say("It does not compile: " .. (cc:output():match("[^\n]*error:[^\n]*") or cc:output():sub(1, 200)))
  return
end

local good = fifo("server")
local dir = good.path:match("(.*)/")
watch(good)
local reader = spawn { "sh", "-c", 'exec "$0" <"$1"', C "pipe_reader", good.path,
                       name = "server", lang = "C" }
local send = spawn { mine, good.path, "hello", "two words", name = "your sender" }
wait_until(function() return send:exited() and reader:exited() end, 10,
           "your sender and the server to end")
expect(send:status() == "exit 0" and reader:output():find("two words", 1, true),
       "through a FIFO of ours, mode 0600, the server got both frames")

-- A regular file where a FIFO should be: anybody who can write to the
-- folder can do this.
local file = dir .. "/planted"
pause("Next, a regular file holding 'precious' takes the FIFO's place. Press space.")
local plant = spawn { "sh", "-c", 'echo precious >"$0"; ln -s "$0" "$0-link"', file,
                      name = "someone else" }
wait_until(function() return plant:exited() end, 10, "the file to be planted")

-- sends TARGET: your sender at TARGET; ended, or asleep in open() of
-- something it should have refused (no reader will ever come: stopped).
local function sends(target, name)
  local p = spawn { mine, target, "hello", name = name }
  wait_until(function() return p:exited() or p:blocked_in("openat") end, 10, name .. " to end")
  if not p:exited() then
    say(name .. " sleeps in openat(), waiting to write into " .. target .. ": stopped.")
    p:kill()
    wait_until(function() return p:exited() end, 10, name .. " to be stopped")
  end
  say(name .. " ended with " .. p:status() .. ": " .. (p:output():match("[^\n]+") or ""))
  return p
end

local s1 = sends(file, "your sender at a file")
expect(s1:status() == "exit 1", "it refused the regular file, status 1")
local s2 = sends(file .. "-link", "your sender at a link")
expect(s2:status() == "exit 1", "it refused the symbolic link, status 1")
local check = spawn { "cat", file, name = "the file" }
wait_until(function() return check:exited() end, 10, "cat to end")
say("The planted file now holds: " .. check:output():gsub("[^%g ]", "."))
expect(check:output() == "precious\n", "nothing was written into the planted file")
