-- your-safe-open.lua: exercise 03's fifo_send.c, the learner's own,
-- compiled with the kit's flags into the run's folder: first through a
-- good FIFO (ours, 0600) that the kit's pipe_reader reads, then at what
-- the grader plants and a scenario can: a regular file, a symbolic link
-- to it, a symbolic link to our good FIFO, a FIFO with mode 0644 and, run
-- as root, a FIFO of another user's (chown nobody). A sender that opens
-- whatever is at the name writes into the file, or sleeps in open() of a
-- FIFO it should have refused, waiting for a reader: caught there from
-- what the kernel shows, stopped, and a FAILED check says so.
scenario {
  title = "Your fifo_send.c: only through a FIFO of ours",
  about = "Exercise 03 live: your fifo_send.c sends frames through a good FIFO, then is given "
       .. "a regular file, links to the file and to our FIFO, a FIFO others may open and (as "
       .. "root) one of another user's. Does it refuse them, or send our bytes there?",
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

-- Planted things, in the run's private folder (0700): a stand-in for a
-- folder where others can write.
local function plant(script, name)
  local p = spawn { "sh", "-c", script, "sh", dir, name = name }
  wait_until(function() return p:exited() end, 10, name)
  return p
end

-- sends TARGET WHAT NAME WORDS: your sender at TARGET (WHAT planted
-- there); it must end with status 1 and a message naming TARGET and
-- holding WORDS (any of them: plain words, as the grader checks). One
-- that sleeps in open() of what it should have refused (no reader will
-- ever come), or neither ends nor refuses, is told from what the kernel
-- shows, and stopped.
local for_words = { read = "reading", write = "writing", ["read-write"] = "reading and writing" }
local function sends(target, what, name, words)
  local p = spawn { mine, target, "hello", name = name }
  local function spins() return not p:exited() and (p:cpu() or 0) >= 2 end
  pcall(wait_until, function() return p:exited() or p:blocked_in("openat") or spins() end, 10,
        name .. " to end")
  local instead
  if not p:exited() then
    local s = p:state()
    if s.call == "openat" and s.opening then
      local path = s.object:match("^FIFO (.*)$") or s.object
      instead = ("it is asleep in open() of %s for %s, waiting for a reader, to write to it")
                :format(path:match("[^/]*$"), for_words[s.opening])
    elseif spins() then
      instead = "it spins: over 2 s of CPU time without ending"
    else
      instead = ("it is %s%s, neither refusing nor ending"):format(s.state,
                s.call and (" in " .. s.call .. "()") or "")
    end
    say(("%s did not refuse %s: %s. Stopped."):format(name:gsub("^%l", string.upper), what, instead))
    p:kill()
    wait_until(function() return p:exited() end, 10, name .. " to be stopped")
  else
    say(name:gsub("^%l", string.upper) .. " ended with " .. p:status() .. ": " .. (p:output():match("[^\n]+") or "(nothing)"))
  end
  local said = false
  for _, w in ipairs(words) do
    said = said or p:output():find(w, 1, true) ~= nil
  end
  local ok = p:status() == "exit 1" and said and p:output():find(target, 1, true) ~= nil
  local check = ("it refused %s, status 1, naming the path and saying '%s'"):format(what,
                table.concat(words, "' or '"))
  if not ok and instead then
    check = check .. "; instead " .. instead
  elseif not ok then
    check = ("%s; instead it ended with %s: %s"):format(check, p:status(),
            p:output():match("[^\n]+") or "(nothing)")
  end
  expect(ok, check)
  return p
end

-- A regular file where a FIFO should be: anybody who can write to the
-- folder can do this.
local file = dir .. "/planted"
pause("Next, a regular file holding 'precious' takes the FIFO's place. Press space.")
plant('echo precious >"$1/planted"', "someone else")
sends(file, "the regular file", "your sender (file)", { "not a FIFO" })

say("A symbolic link to that file: open() follows it, and so does stat(); lstat() tells the link.")
plant('ln -s planted "$1/link-to-file"', "someone else")
sends(dir .. "/link-to-file", "the symbolic link to a file", "your sender (link to file)",
      { "not a FIFO", "link" })
local check = spawn { "cat", file, name = "the file" }
wait_until(function() return check:exited() end, 10, "cat to end")
say("The planted file now holds: " .. check:output():gsub("[^%g ]", "."))
expect(check:output() == "precious\n", "nothing was written into the planted file")

pause("Next, a symbolic link to our own good FIFO, mode 0600. Whoever made the link chose where "
      .. "our bytes go. Press space.")
plant('ln -s server "$1/link-to-fifo"', "someone else")
sends(dir .. "/link-to-fifo", "the symbolic link to a FIFO of ours", "your sender (link to FIFO)",
      { "not a FIFO", "link" })

pause("Next, a FIFO with mode 0644: others may open it, and read what we write. Press space.")
plant('mkfifo -m 644 "$1/fifo-0644"', "someone else")
sends(dir .. "/fifo-0644", "the FIFO with mode 0644", "your sender (0644 FIFO)", { "0644" })

-- Another user's FIFO: only root can make one here (a FIFO chowned to
-- nobody stands for it), as in the grader.
local root = plant('[ "$(id -u)" = 0 ]', "am I root?"):status() == "exit 0"
if root then
  pause("Next, a FIFO of another user's (nobody), mode 0600: its owner reads what we write. "
        .. "Press space.")
  local p = plant('mkfifo -m 600 "$1/fifo-of-nobody" && chown nobody "$1/fifo-of-nobody" && id -u nobody',
                  "another user")
  sends(dir .. "/fifo-of-nobody", "the FIFO of another user (nobody)", "your sender (nobody's FIFO)",
        { p:output():match("%d+") or "its owner's uid" })
  -- Removed at once: the run's clean-up removes only what this user owns.
  plant('rm -f "$1/fifo-of-nobody"', "clean up")
else
  say("Not run as root: a FIFO of another user's cannot be made here, and the grader tries it "
      .. "only as root too.")
end
