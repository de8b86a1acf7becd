-- passing-fds.lua: fd_sender passes fd_receiver two open descriptors with
-- SCM_RIGHTS: a file it opened and a pipe's read end. The receiver holds
-- (--hold) with them; ipclab compares them with kcmp(KCMP_FILE).
scenario {
  title = "Passing open descriptors (SCM_RIGHTS): the same open file",
  about = "The receiver gets new descriptor numbers for the sender's own open files: kcmp says "
       .. "they are one open file description, so one offset, moved by both.",
}

local path = rundir() .. "/rx.sock"
local file = rundir() .. "/data.txt"
local rx = spawn { C "fd_receiver", "--hold", path, name = "receiver" }
wait_until(function() return rx:output():match("listening on") end, 10, "the receiver's readiness line")
-- Its descriptors read now, before the sender starts: what comes later is
-- news, and ipclab's transcript names where it came from (kcmp).
say(("Before: the receiver holds %d descriptors, none of them data.txt."):format(#rx:fds()))
pause("Press space: the sender starts, opens data.txt and a pipe, and passes both.")
local tx = spawn { C "fd_sender", path, file, name = "sender" }
wait_until(function() return rx:blocked_in("rt_sigtimedwait") end, 10, "the receiver holding the descriptors")
say("The sender opened data.txt and a pipe, and sent one byte with both descriptors attached (SCM_RIGHTS).")
local got
for _, f in ipairs(rx:fds()) do
  if f.target == file then got = f end
end
expect(got ~= nil, "the receiver has a descriptor for data.txt: it never opened it")
local same = got and got.same_as[1]
expect(same and same.process == tx, "kcmp: it is the sender's own open file description, not a new open")
if got and same then
  say(("The receiver's fd %d is the sender's fd %d: one open file, one offset."):format(got.fd, same.fd))
end
local off = rx:output():match("file offset (%d+): where fd_sender's last write left it")
expect(off ~= nil, "the receiver found the offset where the sender's last write left it")
say(("With them, before holding, the receiver read the sender's line from the pipe, found the file's "
     .. "offset at %s, where the sender's last write left it, and wrote a line of its own there.")
    :format(tostring(off)))
pause("Press space: the receiver answers; the sender looks at its own offset.")
rx:signal("USR1")
wait_until(function() return rx:exited() and tx:exited() end, 10, "both to end")
expect(tx:output():find("fd_receiver's write moved ours", 1, true),
       "the receiver's write moved the sender's offset too")
say(("The sender's offset moved past %s with the receiver's write: one open file description, one "
     .. "offset. A passed descriptor is dup() across processes."):format(tostring(off)))
