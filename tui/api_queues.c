/* api_queues.c - what a scenario asks of a message queue beyond its level:
 * the bytes queued and, for a POSIX queue, who is registered with
 * mq_notify. Both read from the kernel at the call (chan.c: mq_getattr and
 * a pread of the queue's file, or msgctl IPC_STAT), never by receiving.
 * docs/scenario-api.md, "channel:qsize()" and "channel:notify()". */
#include "ipclab.h"
#include "api.h"

#include <lauxlib.h>
#include <signal.h>

/* q:qsize(): the bytes of all the messages queued (mq_overview(7)'s QSIZE;
 * System V: msg_cbytes), nil when unknown or not a queue. */
static int q_qsize(lua_State *L)
{
    struct chan *c = chan_now(L);
    if (c->type == CH_MQ && c->qbytes >= 0)
        lua_pushinteger(L, c->qbytes);
    else
        lua_pushnil(L);
    return 1;
}

/* q:notify(): the POSIX queue's mq_notify registration: nil when none (or
 * not known: a System V queue, a queue that is not there), else { pid =,
 * process = (a process of the run, or nil), how = "signal" | "thread" |
 * "none", signal = "SIGUSR2" (how "signal" only) }. */
static int q_notify(lua_State *L)
{
    struct chan *c = chan_now(L);
    char sig[24];

    if (c->type != CH_MQ || c->sysv || c->notify_pid <= 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_newtable(L);
    lua_pushinteger(L, c->notify_pid);
    lua_setfield(L, -2, "pid");
    int i = proc_index(c->notify_pid);
    if (i >= 0) {
        push_proc(L, i);
        lua_setfield(L, -2, "process");
    }
    lua_pushstring(L, c->notify_how == SIGEV_THREAD ? "thread"
                      : c->notify_how == SIGEV_NONE ? "none" : "signal");
    lua_setfield(L, -2, "how");
    if (c->notify_how == SIGEV_SIGNAL) {
        lua_pushstring(L, sig_name(c->notify_signo, sig, sizeof sig));
        lua_setfield(L, -2, "signal");
    }
    return 1;
}

void api_queue_methods(lua_State *L)
{
    static const luaL_Reg m[] = { { "qsize", q_qsize }, { "notify", q_notify }, { NULL, NULL } };
    luaL_setfuncs(L, m, 0);
}
