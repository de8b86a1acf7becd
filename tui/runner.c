/* runner.c - a scenario is a Lua coroutine that only the event loop resumes.
 *
 * Calls that wait (sleep, wait_until, step, pause) record what they wait for
 * in R (R.wait, R.deadline, ...) and yield with a continuation; after each
 * sample the loop calls runner_step(), which resumes the coroutine when the
 * wait is over. So a waiting scenario never freezes the screen. The design
 * follows OpenResty's ngx.sleep and lua.c's protected calls. */
#include "ipclab.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <string.h>

#define HOOK_EVERY   10000       /* instructions between count-hook calls */
#define HOOK_LIMIT   1000        /* x HOOK_EVERY = 10 million without a wait */

static lua_State *L, *co;
static int co_ref = LUA_NOREF;

/* Raise msg at the line the scenario is running (level 0 in a hook). */
static void hook_error(lua_State *S, const char *msg)
{
    luaL_where(S, 0);
    lua_pushstring(S, msg);
    lua_concat(S, 2);
    lua_error(S);
}

static void count_hook(lua_State *S, lua_Debug *ar)
{
    (void)ar;
    if (R.quit)
        hook_error(S, "stopped");
    if (++R.hook_count > HOOK_LIMIT)
        hook_error(S, "the scenario ran 10 million instructions without waiting "
                      "(an endless loop?)");
}

/* Only what a scenario needs: no os, io, load, require, coroutine. */
static void sandbox_env(lua_State *S)
{
    static const char *const base[] = { "assert", "error", "ipairs", "next",
        "pairs", "pcall", "rawequal", "rawget", "rawlen", "rawset", "select",
        "setmetatable", "getmetatable", "tonumber", "tostring", "type",
        "xpcall", "_VERSION", "string", "table", "math", "utf8", NULL };

    lua_newtable(S);
    for (int i = 0; base[i]; i++) {
        lua_getglobal(S, base[i]);
        lua_setfield(S, -2, base[i]);
    }
    lua_getfield(S, -1, "string");          /* no string.dump (bytecode) */
    lua_pushnil(S);
    lua_setfield(S, -2, "dump");
    lua_pop(S, 1);
    lua_pushvalue(S, -1);
    lua_setfield(S, -2, "_G");
    /* Where the Python helpers live, for a peer given with Python(). */
    lua_pushfstring(S, "%s/python_peers", R.root);
    lua_setfield(S, -2, "IPCLAB_PEERS");
}

int runner_load(const char *path)
{
    L = luaL_newstate();
    if (L == NULL) {
        scopy(R.error, sizeof R.error, "cannot create the Lua state (out of memory)");
        return -1;
    }
    luaL_openlibs(L);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        scopy(R.error, sizeof R.error, lua_tostring(L, -1));
        return -1;
    }
    sandbox_env(L);
    api_register(L);                        /* into the env table on top */
    lua_setupvalue(L, -2, 1);               /* the chunk's _ENV */
    co = lua_newthread(L);
    co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_xmove(L, co, 1);                    /* the chunk, ready to resume */
    lua_sethook(co, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    R.wait = W_NONE;
    return 0;
}

/* Called by the waiting API functions, in the coroutine. */
int scen_wait(lua_State *S, enum wait_kind kind, double timeout, long ctx,
              int (*k)(lua_State *, int, long))
{
    R.wait = kind;
    R.wait_start = now();
    R.deadline = timeout > 0 ? R.wait_start + timeout : 0;
    R.timed_out = 0;
    R.go = 0;
    return lua_yieldk(S, 0, (lua_KContext)ctx, k);
}

static void fail_with(lua_State *S)
{
    const char *msg = lua_tostring(S, -1);
    scopy(R.error, sizeof R.error, msg ? msg : "(an error object that is not a string)");
    R.errored = 1;
    R.wait = W_DONE;
    tlog("error %s", R.error);
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
    case W_STEP: {
        /* Held at its next traced call, gone, or asleep inside the call it
         * was let into (sem_wait on a taken semaphore): each ends a step. */
        const struct proc *p = &R.procs[R.wait_proc];
        return p->step_waiting || p->exited ||
               (p->open_call[0] && p->state == PS_SLEEPING && now() - p->since > 0.1);
    }
    case W_UNTIL:
        R.hook_count = 0;
        lua_rawgeti(L, LUA_REGISTRYINDEX, R.wait_ref);
        if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
            fail_with(L);
            lua_pop(L, 1);
            return 0;
        }
        if (lua_toboolean(L, -1)) {
            lua_xmove(L, co, 1);
            *nargs = 1;
            return 1;
        }
        lua_pop(L, 1);
        return 0;
    default: return 0;
    }
}

static int wait_over(int *nargs)
{
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
    R.hook_count = 0;
    int st = lua_resume(co, L, nargs, &nres);
    if (st == LUA_YIELD) {
        lua_pop(co, nres);
        /* The scenario waits: ipclab now lets go of the ends it handed out,
         * so it never holds a pipe open while watching. */
        chan_close_handed();
    } else if (st == LUA_OK) {
        R.wait = W_DONE;
    } else {
        fail_with(co);
    }
}

void runner_close(void)
{
    if (L) {
        lua_close(L);
        L = co = NULL;
    }
}
