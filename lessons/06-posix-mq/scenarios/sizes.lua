-- sizes.lua: a POSIX queue's sizes. A receive buffer smaller than the
-- queue's mq_msgsize fails (EMSGSIZE), whatever the message's length, and
-- the message stays queued; a receiver that sizes its buffer from
-- mq_getattr takes it. A message longer than mq_msgsize is refused by
-- mq_send. Then the kernel's limit on mq_maxmsg (/proc/sys/fs/mqueue/msg_max).
scenario {
  title = "Sizes: the buffer is mq_msgsize, and the kernel's limits",
  about = "A queue of 64-byte messages: a 63-byte receive buffer fails (EMSGSIZE) even for 'hello', "
       .. "and 'hello' stays queued; a buffer sized from mq_getattr takes it. A 65-byte message is "
       .. "refused. --maxmsg 11 is over msg_max (10): refused, the limit named.",
}

local name = ipcname("jobs")
local q = mqueue(name)
watch(q)

say("A Python sender makes a queue of messages of up to 64 bytes (--msgsize 64), sends 'hello' (5 bytes) "
    .. "and ends; --keep leaves the queue behind.")
local tx = spawn { Python "mq_sender.py", "--create", "--keep", "--msgsize", "64", name, "hello",
                   name = "sender --msgsize 64" }
wait_until(function() return tx:exited() end, 10, "the sender to end")
expect(tx:status() == "exit 0" and q:level() == 1, "'hello' waits in the queue: 1 message")
pause("Ask the class: a receiver with a buffer of 63 bytes; the message is 5. Does it fit? Press space.")

local small = spawn { C "mq_receiver", "--buf-size", "63", "-n", "1", name, name = "receiver --buf-size 63" }
wait_until(function() return small:exited() end, 10, "the receiver to end")
expect(small:status() == "exit 1" and small:output():find("Message too long: a buffer of 63 bytes is smaller "
       .. "than the queue's mq_msgsize (64)", 1, true),
       "mq_receive into 63 bytes: EMSGSIZE, the buffer is under mq_msgsize (64)")
expect(q:level() == 1, "'hello' is still queued: a refused receive takes nothing")
say("mq_receive wants a buffer of at least mq_msgsize bytes: it checks the buffer, "
    .. "not the message. 'hello' stays queued.")
pause("Press space: the receiver with its buffer sized from mq_getattr (its default).")

local right = spawn { C "mq_receiver", "-n", "1", name, name = "receiver" }
wait_until(function() return right:exited() end, 10, "the receiver to end")
expect(right:status() == "exit 0" and right:output():find("up to 64 bytes, 1 queued", 1, true)
       and right:output():find("message 1: priority 0, 5 bytes: hello", 1, true),
       "sized from mq_getattr (64 bytes), the receiver takes 'hello'")
expect(q:level() == 0, "the queue is empty now")
say("It asked mq_getattr first (its line: up to 64 bytes) and received into 64 bytes: 'hello'. "
    .. "Size the buffer from the queue, never from what you expect: its maker chose mq_msgsize.")
pause("Press space: a message of 65 bytes, one over mq_msgsize. A C sender; --unlink removes the queue.")

local long = ("x"):rep(65)
local big = spawn { C "mq_sender", "--unlink", name, long, name = "sender (65 bytes)" }
wait_until(function() return big:exited() end, 10, "the sender to end")
expect(big:status() == "exit 1" and big:output():find("Message too long: message 1 is 65 bytes, over the "
       .. "queue's mq_msgsize (64)", 1, true),
       "mq_send of 65 bytes fails: EMSGSIZE, over the queue's mq_msgsize (64)")
expect(q:level() == nil, "the sender removed the queue (--unlink), even though it failed")
say("The other side of the same limit: mq_send refuses a message over mq_msgsize, EMSGSIZE. "
    .. "--unlink removed the queue on that way out too.")
pause("Ask: can a queue have room for 11 messages? Press space: a receiver asks for --maxmsg 11.")

-- The /proc limits bind a process without CAP_SYS_RESOURCE. In a user
-- namespace of its own (unshare --user, which any user may do where the
-- system allows it) a process has none in the real one, root or not.
local function refused_as(argv)
  local p = spawn { argv, "--create", "--maxmsg", "11", "--nonblock", "-n", "1", name,
                    name = "receiver --maxmsg 11", lang = "C" }
  wait_until(function() return p:exited() end, 10, "the receiver to end")
  return p
end
local lim = refused_as { "unshare", "--user", C "mq_receiver" [1] }
local own = not lim:output():find("^unshare:")
if not own then
  say("(unshare --user failed here: " .. (lim:output():match("[^\n]+") or "") .. ". It runs without it.)")
  lim = refused_as(C "mq_receiver")
end
local max = lim:output():match("Invalid argument: %-%-maxmsg 11 is over /proc/sys/fs/mqueue/msg_max %((%d+)%)")
expect(lim:status() == "exit 1" and max ~= nil and q:level() == nil,
       "mq_open refuses 11 messages: EINVAL, over /proc/sys/fs/mqueue/msg_max (" .. (max or "?")
       .. "); no queue was made")
say(("EINVAL has many causes; the receiver names this one: msg_max, %s here. "
     .. "msgsize_max bounds --msgsize the same way."):format(max or "?"))
if own then
  say("It ran in a user namespace (unshare --user), without CAP_SYS_RESOURCE, like any "
      .. "ordinary user: that capability lifts these limits.")
else
  say("A process with CAP_SYS_RESOURCE may pass these limits; an ordinary user's may not.")
end
