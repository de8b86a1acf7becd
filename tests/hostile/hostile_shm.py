#!/usr/bin/env python3
"""hostile_shm.py - a hostile process that maps a lesson 08 segment: it
rewrites the header and the ring's fields (chosen values or at random, while
the other side runs), floods the ring past its semaphores, or stops for
ever in the middle of a record.

Usage: hostile_shm.py [--seed S] (--posix NAME | --sysv KEY) STEP...

Maps the POSIX segment NAME (/dev/shm/NAME) or attaches to the System V
segment KEY, as any process with the permission can, and runs the STEPs in
order (docs/hostile-peers.md has examples). The layout is shmseg.h's:

  field      offset  bytes        field      offset  bytes
  magic           0  4 ("IRNG")   slots          16  4     (a ring)
  version         4  4            slot_size      20  4
  size            8  4            head           24  4
  reserved       12  4            tail           28  4
  counter        16  8 (a counter)               32  slot 0, slot 1, ...

  set FIELD VALUE   write VALUE into FIELD, a name above or @OFFSET (a
                    byte offset: 4 bytes there); VALUE a number, or for
                    magic 4 ASCII characters ("IRNG")
  scramble N [F,..] N writes of a random value into a random field of the
                    list (4-byte fields only; default: every header field,
                    and slots, slot_size, head and tail of a ring), one
                    after the other as fast as it can (0: until killed);
                    values in range and out of it, 0, 2^31 and 2^32-1
  smash N           N random 4-byte values at random offsets anywhere in the
                    segment: frame lengths and payloads too (0: until killed)
  flood N EMPTY FULL   put N records into the ring (0: until killed), each
                    into slot head, head moved on, FULL posted, as fast as it
                    can and without ever waiting on EMPTY: more than the ring
                    holds, over records nobody has read yet
  stall EMPTY FULL  take a free slot (sem_wait EMPTY) and write half a record
                    into it: its length and the first half of its payload;
                    neither head nor FULL moves (follow with pause or kill)
  post SEM N        sem_post the POSIX semaphore SEM N times
  semset SEM VALUE [@OFFSET]  write VALUE (4 bytes) into the POSIX
                    semaphore SEM's file, /dev/shm/sem.NAME: at offset 0
                    (the default) glibc keeps the count, at @4 the number
                    of waiters, at @8 the futex flags it passes the kernel
  truncate SIZE     cut the POSIX segment's file to SIZE bytes (ftruncate):
                    a load or store past the new end gets SIGBUS; it only
                    cuts: SIZE is at most the segment's size
  semval KEY VALUE  set semaphore 0 of the System V set KEY to VALUE (semctl
                    SETVAL)
  hold              wait for SIGUSR1 (the kernel shows rt_sigtimedwait)
  pause             stop for ever: asleep in pause() until a signal ends it
  exit [STATUS]     exit now (default 0)
  kill              die of SIGKILL, as a crash would

Every word is checked before any step runs (exit status 2, one line):
  NAME, EMPTY, FULL, SEM  a POSIX IPC name: "/", then 1 to 255 bytes (251
                    for a semaphore: its file is sem.NAME) with no "/";
                    the file in /dev/shm must be a regular file, never
                    reached through a symbolic link (an open that fails:
                    status 1)
  KEY               1 to 2147483647
  N                 0 to 2147483647 (post: each one a sem_post)
  VALUE             0 to 2^32-1 (counter: 2^64-1; semval: 0 to 32767)
  @OFFSET, FIELD    its bytes inside the segment (set), or the semaphore's
                    32 (semset: 0 to 28)
  SIZE              0 to the segment's size then
  STATUS            0 to 255;  --seed S: 0 to 4294967295
and against the segment as it is when the peer comes (and as its own
truncate steps leave it): smash needs 4 bytes; flood and stall a ring (magic
"IRNG", at least 1 slot of at least 4 bytes, every slot inside the
segment). Nothing may follow a step that never returns (exit, kill, pause;
scramble 0, smash 0, flood 0).

--seed S makes every random choice the same from run to run (default 1);
which of the other side's steps a write lands between is up to the kernel.
Exit status: 0 when the steps are done, or at SIGTERM, which it answers
with how many writes scramble and smash made ("hostile_shm.py: 5210
writes"); 1 when a call fails (said on stderr: the call and the object);
2 for bad usage.
"""
PLACEHOLDER