-- your-safe-open.lua: exercise 03's fifo_send.c, the learner's own,
-- compiled with the kit's flags into the run's folder: first through a
-- good FIFO (ours, 0600) that the kit's pipe_reader reads, then at what
-- the grader plants and a scenario can: a regular file, a symbolic link
-- to it, a symbolic link to our good FIFO, a FIFO with mode 0644 and, run
-- as root, a FIFO of another user's (chown nobody). A sender that opens
-- whatever is at the name writes into the file, or sleeps in open() of a
-- FIFO it should have refused, waiting for a reader: caught there from
-- what the kernel shows, left on screen until space, then ended (SIGKILL),
-- and a FAILED check says so. Everything planted is planted by one helper
-- process, "someone else", that runs one shell line at a time: one pane,
-- not one a step.
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
say("It is built as yours-fifo_send in the run's folder: its messages start 'yours-fifo_send:'.")

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
-- folder where others can write. plant(LINE): "someone else" runs the
-- shell line LINE in that folder; returns its exit status and what it
-- printed.
local helper = spawn { "sh", "-c", 'cd "$1" || exit 1; while IFS= read -r line; do '
                       .. 'eval "$line"; echo "-- $?"; done', "sh", dir,
                       name = "someone else", stdin = "pipe" }
local steps = 0
local function plant(line)
  local from = #helper:output()
  steps = steps + 1
  helper:write(line .. "\n")
  wait_until(function() return select(2, helper:output():gsub("%-%- %d+\n", "")) >= steps end,
             10, "someone else to plant")
  local out = helper:output():sub(from + 1)
  return tonumber(out:match("%-%- (%d+)\n$")), out:gsub("%-%- %d+\n$", "")
end

-- sends TARGET WHAT NAME WORDS: your sender at TARGET (WHAT planted
-- there); it must end with status 1 and a message naming TARGET and
-- holding WORDS (any of them: plain words, as the grader checks). One
-- that sleeps in open() of what it should have refused (no reader will
-- ever come), or neither ends nor refuses, is told from what the kernel
-- shows, and stopped.
local for_words = { read = "reading", write = "writing", ["read-write"] = "reading and writing" }
local function sends(target, what, name, words)
  local Name = "Your sender (" .. name:match("%((.*)%)") .. ")"
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
    say(("%s did not refuse %s: %s."):format(Name, what, instead))
    pause("Look at its pane. Press space: the scenario ends it (SIGKILL).")
    p:kill()
    wait_until(function() return p:exited() end, 10, name .. " to be stopped")
  else
    say(Name .. " ended with " .. p:status() .. ": " .. (p:output():match("[^\n]+") or "(nothing)"))
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
plant('echo precious >planted')
sends(file, "the regular file", "sender (file)", { "not a FIFO" })

say("A symbolic link to that file: open() follows it, and so does stat(); lstat() tells the link.")
plant('ln -s planted link-to-file')
sends(dir .. "/link-to-file", "the symbolic link to a file", "sender (link)",
      { "not a FIFO", "link" })
local _, holds = plant('cat planted')
say("The planted file now holds: " .. holds:gsub("[^%g ]", "."))
expect(holds == "precious\n", "nothing was written into the planted file")

pause("Next, a symbolic link to our own good FIFO, mode 0600. Whoever made the link chose where "
      .. "our bytes go. Press space.")
plant('ln -s server link-to-fifo')
sends(dir .. "/link-to-fifo", "the symbolic link to a FIFO of ours", "sender (FIFO link)",
      { "not a FIFO", "link" })

pause("Next, a FIFO with mode 0644: others may open it, and read what we write. Press space.")
plant('mkfifo -m 644 fifo-0644')
sends(dir .. "/fifo-0644", "the FIFO with mode 0644", "sender (0644)", { "0644" })

-- Another user's FIFO: only root can make one here (a FIFO chowned to
-- nobody stands for it), as in the grader.
local root = plant('[ "$(id -u)" = 0 ]') == 0
if root then
  pause("Next, a FIFO of another user's (nobody), mode 0600: its owner reads what we write. "
        .. "Press space.")
  local _, uid = plant('mkfifo -m 600 fifo-of-nobody && chown nobody fifo-of-nobody && id -u nobody')
  sends(dir .. "/fifo-of-nobody", "the FIFO of another user (nobody)", "sender (nobody's)",
        { uid:match("%d+") or "its owner's uid" })
  -- Removed at once: the run's clean-up removes only what this user owns.
  plant('rm -f fifo-of-nobody')
else
  say("Not run as root: a FIFO of another user's cannot be made here, and the grader tries it "
      .. "only as root too.")
end
helper:close_stdin()
wait_until(function() return helper:exited() end, 10, "someone else to end")
