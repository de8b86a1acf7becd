-- planted-names.lua: "mkfifo unless it exists" is a bug. Something already
-- at the name (a file left by an earlier run, or put there by somebody
-- else) is written through by the tutorial's writer; the kit's node looks
-- at the name first (lstat: a FIFO? ours? 0600?) and refuses.
scenario {
  title = "Something already at the name: written through, or refused",
  about = "The tutorial's writer ignores mkfifo's EEXIST and writes into a regular file someone put at "
       .. "its name. The kit's node checks what is there (lstat, owner, mode) and refuses it.",
}

local f = fifo("b-to-a")             -- a good FIFO, so only a-to-b is wrong
local dir = f.path:match("(.*)/")
local function sh(script, name)
  local p = spawn { "sh", "-c", script, "sh", dir, name = name }
  wait_until(function() return p:exited() end, 10, name)
  return p
end

say("Somebody (an earlier run, another user where the folder is shared) left a regular file at myfifo.")
sh('printf "" >"$1/myfifo"', "plant a file")
local w = spawn { C "naive_writer", "my password", name = "tutorial writer", env = { NAIVE_DIR = dir } }
wait_until(function() return w:exited() end, 10, "the tutorial's writer to finish")
expect(w:status() == "exit 0", "the tutorial's writer ran to the end and said nothing wrong")
local cat = sh('tr "\\0" "|" <"$1/myfifo"; echo', "look in the file")
expect(cat:output():find("my password", 1, true), "its message went into the planted file, where the file's owner can read it")
say("mkfifo failed with EEXIST, which the tutorial ignores; open() opened the file; write() filled it. "
 .. "No reader was needed: a file never waits.")
pause("Press space: the kit's node, facing a regular file at its a-to-b.")

sh('printf "" >"$1/a-to-b"', "plant a file")
local function said(p)       -- its last words, on screen even when its pane is not
  say(("%s: %s"):format(p.name, (p:output():match("([^\n]*refused[^\n]*)") or p:output()):gsub("^%S+: ", "")))
end
local a = spawn { C "fifo_node", "a", dir, name = "node a (C)" }
wait_until(function() return a:exited() end, 10, "node a to answer")
said(a)
expect(a:status() == "exit 1" and a:output():find("a-to-b: a regular file, not a FIFO: refused", 1, true),
       "a regular file at a-to-b: refused, status 1")
expect(sh('test ! -s "$1/a-to-b"', "is the file still empty?"):status() == "exit 0",
       "the planted file is still empty: nothing was written through it")
sh('rm "$1/a-to-b" && ln -s b-to-a "$1/a-to-b"', "plant a link")
pause("Press space: a symbolic link at a-to-b, pointing to the good FIFO b-to-a.")
local b = spawn { Python "fifo_node.py", "a", dir, name = "node a (Python)" }
wait_until(function() return b:exited() end, 10, "node a to answer")
said(b)
expect(b:status() == "exit 1" and b:output():find("a-to-b: a symbolic link, not a FIFO: refused", 1, true),
       "a symbolic link at a-to-b (even to a good FIFO): refused")
sh('rm "$1/a-to-b" && mkfifo -m 644 "$1/a-to-b"', "plant a 0644 FIFO")
pause("Press space: a FIFO at a-to-b with mode 0644, which others may open.")
local c = spawn { C "fifo_node", "a", dir, name = "node a (C)" }
wait_until(function() return c:exited() end, 10, "node a to answer")
said(c)
expect(c:status() == "exit 1" and c:output():find("mode 0644, not 0600: not a private FIFO of ours", 1, true),
       "a FIFO with mode 0644 (others may open it): refused")
say("lstat() says what is at the name without following a link; the node opens only a FIFO of its "
 .. "own user, mode 0600, and after open() checks (fstat) that it opened that same FIFO.")
say("And all of it lives in a private 0700 folder, so nobody else can put anything there at all.")
