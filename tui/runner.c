/* runner.c - a scenario is a Lua coroutine that only the event loop resumes.
 *
 * Calls that wait (sleep, wait_until, step, pause) record what they wait for
 * in R (R.wait, R.deadline, ...) and yield with a continuation; after each
 * sample the loop calls runner_step(), which resumes the coroutine when the
 * wait is over. So a waiting scenario never freezes the screen. The design
 * follows OpenResty's ngx.sleep and lua.c's protected calls. What the
 * scenario may do, and how it is stopped, is sandbox.c's. */
#include "ipclab.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <string.h>

static lua_State *L, *co;
static int co_ref = LUA_NOREF;

int runner_load(const char *path)
{
    L = sandbox_new();
    if (L == NULL) {
        scopy(R.error, sizeof R.error, "cannot create the Lua state (out of memory)");
        return -1;
    }
    lua_enter();                            /* loading may block: a FIFO, a pipe */
    int st = luaL_loadfilex(L, path, "t");
    lua_leave();
    if (st != LUA_OK) {
        scopy(R.error, sizeof R.error, lua_tostring(L, -1));
        return -1;
    }
    /* math.random starts from --seed (ipclab(1)): the same seed, the same
     * choices, so a run that failed plays again the same way. */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, R.seed);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    tlog("seed %lld", R.seed);
    sandbox_env(L);
    /* Where the Python helpers live, for a peer given with Python(). */
    lua_pushfstring(L, "%s/python_peers", R.root);
    lua_setfield(L, -2, "IPCLAB_PEERS");
    api_register(L);                        /* into the env table on top */
    lua_setupvalue(L, -2, 1);               /* the chunk's _ENV */
    co = lua_newthread(L);
    co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_xmove(L, co, 1);                    /* the chunk, ready to resume */
    sandbox_thread(co);
    R.wait = W_NONE;
    return 0;
}

/* Called by the waiting API functions, in the coroutine. */
int scen_wait(lua_State *S, enum wait_kind kind, double timeout, long ctx,
              int (*k)(lua_State *, int, long))
{
    /* A wait_until condition or an expect() function runs inside ipclab's
     * own call: it cannot give the loop back. */
    if (S != co || !lua_isyieldable(S))
        return luaL_error(S, "sleep, pause, step and wait_until cannot be called "
                             "inside a wait_until condition or an expect() function");
    R.wait = kind;
    R.wait_start = now();
    R.deadline = timeout > 0 ? R.wait_start + timeout : 0;
    R.timed_out = 0;
    R.go = 0;
    return lua_yieldk(S, 0, (lua_KContext)ctx, k);
}

/* " (a, b killed with k: the scenario cannot go on as written)" when the
 * presenter killed processes with k, else "": the likely reason a
 * scenario's wait timed out or its code met a process that is gone. */
void killed_with_k(char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < MAX_PROCS && k + 1 < len; i++)
        if (R.procs[i].used && R.procs[i].user_killed)
            k += (size_t)snprintf(out + k, len - k, "%s%s", k ? ", " : " (", R.procs[i].name);
    if (k > 0 && k + 1 < len)
        snprintf(out + k, len - k, " killed with k: the scenario cannot go on as written)");
}

/* The error on top of S ends the run: the scenario's own (file:line:
 * reason, exit 2), or a stop by a signal (the loop says which). Pops it. */
static void fail_with(lua_State *S)
{
    R.wait = W_DONE;
    if (sandbox_interrupted()) {            /* the loop says by what */
        lua_pop(S, 1);
        return;
    }
    sandbox_error_text(S, co, R.error, sizeof R.error);
    char killed[200];
    killed_with_k(killed, sizeof killed);
    if (killed[0] && !strstr(R.error, "killed with k")) {
        size_t n = strlen(R.error);
        snprintf(R.error + n, sizeof R.error - n, "%s", killed);
    }
    R.errored = 1;
    tlog("error %s", R.error);
    story_add(ST_ERROR, R.error);
}

/* A step ends when the process, let go, is held at its next traced call,
 * has exited, or sleeps in the kernel inside the call it was let into
 * (sem_wait on a taken semaphore). The last needs a sample taken after
 * the go that shows it out of its step read and asleep somewhere else,
 * for a tenth of a second: a sample from before the go (the process held
 * for seconds while a teacher talks) proves nothing. */
static int step_over(const struct proc *p)
{
    int in_step_read = strcmp(p->call, "read") == 0 && p->call_fd == STEP_FD;
    /* Asleep since a sample after the go: a new call (since), or the same
     * call again once it has run (slept_t). */
    double asleep = p->since >= p->go_t ? p->since : p->slept_t >= p->go_t ? p->slept_t : -1;
    return p->step_waiting || p->exited ||
           (p->open_call[0] && (p->state == PS_SLEEPING || p->state == PS_DISK) &&
            !in_step_read && asleep >= 0 && now() - asleep > 0.1);
}

/* Is the condition of the current wait met? May push one value for the
 * coroutine (wait_until's result). */
static int condition_met(int *nargs)
{
    *nargs = 0;
    switch (R.wait) {
    case W_NONE: return 1;
    case W_SLEEP: return 0;                 /* only the deadline ends it */
    case W_PAUSE: return R.go || R.headless;
    case W_STEP:
        return step_over(&R.procs[R.wait_proc]);
    case W_UNTIL: {
        sandbox_waited();
        lua_rawgeti(L, LUA_REGISTRYINDEX, R.wait_ref);
        lua_enter();
        int st = lua_pcall(L, 0, 1, 0);
        lua_leave();
        if (st != LUA_OK) {
            sandbox_locate(co, L, st);      /* at the line of the wait_until */
            fail_with(L);
            return 0;
        }
        if (lua_toboolean(L, -1)) {
            lua_xmove(L, co, 1);
            *nargs = 1;
            return 1;
        }
        lua_pop(L, 1);
        return 0;
    }
    default: return 0;
    }
}

/* A process the user stopped (the s key) holds the scenario's clock:
 * the time it stays stopped does not count against a wait's timeout. */
static void hold_clock(void)
{
    static double last;
    static int was_held;
    int held = 0;
    for (int i = 0; i < MAX_PROCS; i++)
        held |= R.procs[i].used && !R.procs[i].exited && R.procs[i].user_stopped;
    double t = now();
    if (held && was_held && R.deadline > 0)
        R.deadline += t - last;
    last = t;
    was_held = held;
}

static int wait_over(int *nargs)
{
    hold_clock();
    if (condition_met(nargs))
        return 1;
    if (R.deadline > 0 && now() >= R.deadline)
        return R.timed_out = 1;
    return 0;
}

void runner_step(void)
{
    int nargs, nres;

    if (co == NULL || R.wait == W_DONE || !wait_over(&nargs) || R.wait == W_DONE)
        return;
    events_drain();         /* the scenario goes on: all it may check is told first */
    sandbox_waited();
    lua_enter();
    int st = lua_resume(co, L, nargs, &nres);
    lua_leave();
    if (st == LUA_YIELD) {
        lua_pop(co, nres);
        /* The scenario waits: ipclab now lets go of the ends it handed out,
         * so it never holds a pipe open while watching. */
        chan_close_handed();
    } else if (st == LUA_OK) {
        R.wait = W_DONE;
        story_end();
        if (!R.headless)        /* the end line waits for q: --record has it now */
            tlog("finished: %d expectation%s, %d passed, %d failed", R.expects,
                 R.expects == 1 ? "" : "s", R.expects - R.failed, R.failed);
    } else {
        sandbox_locate(co, co, st);
        fail_with(co);
    }
}

void runner_close(void)
{
    if (L) {
        sandbox_close();
        lua_close(L);
        L = co = NULL;
    }
}
