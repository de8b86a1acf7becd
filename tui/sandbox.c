/* sandbox.c - what a scenario may do, and how it is stopped.
 *
 * A scenario sees Lua's base functions without load, dofile or require,
 * and string (no dump), table, math, utf8 and the API (api.c). It cannot
 * take ipclab hostage:
 *   - endless loops: a count hook stops it after HOOK_LIMIT x HOOK_EVERY
 *     instructions, or CALL_LIMIT calls, without a wait;
 *   - a stop (q, a signal, the wall-clock watchdog in signals.c) sets a hook
 *     that fires at the next instruction;
 *   - once stopping, the error cannot be caught: pcall and xpcall are our
 *     own, and hand the error on (as they do a memory error);
 *   - memory: the allocator refuses more than MEM_MAX bytes in all;
 *   - finalizers: Lua runs __gc with hooks off, where nothing could stop
 *     an endless one, and after clean-up at lua_close: setmetatable refuses
 *     a metatable with __gc.
 */
#include "ipclab.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define HOOK_EVERY 10000        /* instructions between count-hook calls */
#define HOOK_LIMIT 1000         /* x HOOK_EVERY = 10 million without a wait */
#define CALL_LIMIT 100000       /* function calls without a wait */
#define MEM_MAX    (256u << 20) /* bytes the scenario may hold */

static lua_State *states[2];    /* the main state and the scenario's thread */
static volatile sig_atomic_t stopping;   /* why Lua must stop, once set */
enum { STOP_SIGNAL = 1, STOP_WALL, STOP_COUNT, STOP_MEMORY };
static size_t mem_used;
static long hook_count, calls;
static char last_where[300];    /* "file:line: " seen last by a hook */

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    size_t old = ptr ? osize : 0;          /* without ptr, osize is a type */
    (void)ud;
    if (nsize == 0) {
        free(ptr);
        mem_used -= old;
        return NULL;
    }
    if (nsize > old && mem_used - old + nsize > MEM_MAX)
        return NULL;                        /* Lua collects, retries, then errs */
    void *p = realloc(ptr, nsize);
    if (p != NULL)
        mem_used = mem_used - old + nsize;
    return p;
}

static const char *stop_reason(void)
{
    switch (stopping) {
    case STOP_SIGNAL: return "stopped (interrupted)";
    case STOP_WALL: return "the scenario ran 5 s without waiting "
                           "(a long call such as string.rep or string.find?)";
    case STOP_COUNT: return "the scenario ran 10 million instructions (or 100000 "
                            "calls) without waiting (an endless loop?)";
    case STOP_MEMORY: return "the scenario used more than 256 MiB of memory";
    default: return "stopped";
    }
}

/* "file:line:" of the innermost Lua function on S's stack, or "". */
static void where_in(lua_State *S, char *out, size_t len)
{
    lua_Debug ar;
    out[0] = '\0';
    for (int level = 0; lua_getstack(S, level, &ar); level++)
        if (lua_getinfo(S, "Sl", &ar) && ar.currentline > 0) {
            snprintf(out, len, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
}

/* Raise the stop error at the scenario's current line. */
static int raise_stop(lua_State *S)
{
    char where[300];
    where_in(S, where, sizeof where);
    lua_pushfstring(S, "%s%s", where, stop_reason());
    return lua_error(S);
}

static void stop_hook(lua_State *S, lua_Debug *ar)
{
    (void)ar;
    if (!stopping)
        stopping = lua_wall_hit() ? STOP_WALL : STOP_SIGNAL;
    raise_stop(S);
}

/* Every HOOK_EVERY instructions, and at every call: Lua resets the count
 * when an error is caught, so a loop of caught errors (pcall on a deep
 * recursion) would never reach it; its calls are counted instead. */
static void count_hook(lua_State *S, lua_Debug *ar)
{
    if (ar->event == LUA_HOOKCOUNT ? ++hook_count > HOOK_LIMIT : ++calls > CALL_LIMIT) {
        if (!stopping)
            stopping = STOP_COUNT;
    }
    where_in(S, last_where, sizeof last_where);         /* for the watchdog */
    if (stopping) {
        lua_sethook(S, stop_hook, LUA_MASKCOUNT, 1);
        stop_hook(S, ar);
    }
}

/* From a signal handler too: lua_sethook is async-signal-safe. */
void runner_interrupt(void)
{
    for (int i = 0; i < 2; i++)
        if (states[i])
            lua_sethook(states[i], stop_hook,
                        LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* The scenario waited: its instruction budget starts again. */
void sandbox_waited(void)
{
    hook_count = calls = 0;
}

/* pcall and xpcall that catch the scenario's own errors, never a stop or
 * a memory error: those go on up to ipclab. */
static int finish_pcall(lua_State *S, int status, lua_KContext base)
{
    if (status == LUA_ERRMEM && !stopping)
        stopping = STOP_MEMORY;
    if (stopping && status != LUA_OK && status != LUA_YIELD && status != LUA_ERRMEM)
        return lua_error(S);                /* the stop as raised, with its line */
    if (stopping)
        return raise_stop(S);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(S, 0);
        lua_pushvalue(S, -2);
        return 2;                           /* false, the error */
    }
    return lua_gettop(S) - (int)base;       /* true, the results */
}

static int l_pcall(lua_State *S)
{
    luaL_checkany(S, 1);
    lua_pushboolean(S, 1);
    lua_insert(S, 1);
    return finish_pcall(S, lua_pcallk(S, lua_gettop(S) - 2, LUA_MULTRET, 0, 0,
                                      finish_pcall), 0);
}

static int l_xpcall(lua_State *S)
{
    int n = lua_gettop(S);
    luaL_checktype(S, 2, LUA_TFUNCTION);
    lua_pushboolean(S, 1);                  /* f h args -> f h true f args */
    lua_pushvalue(S, 1);
    lua_rotate(S, 3, 2);
    return finish_pcall(S, lua_pcallk(S, n - 2, LUA_MULTRET, 2, 2, finish_pcall), 2);
}

static int l_setmetatable(lua_State *S)
{
    if (lua_istable(S, 2) && (lua_pushliteral(S, "__gc"), lua_rawget(S, 2)) != LUA_TNIL)
        return luaL_error(S, "setmetatable: finalizers (__gc) are not allowed in scenarios");
    lua_settop(S, 2);
    lua_pushvalue(S, lua_upvalueindex(1));  /* the real setmetatable */
    lua_insert(S, 1);
    lua_call(S, 2, 1);
    return 1;
}

lua_State *sandbox_new(void)
{
    mem_used = 0;
    hook_count = calls = 0;
    last_where[0] = '\0';
    stopping = 0;
    lua_State *S = lua_newstate(alloc, NULL);
    if (S == NULL)
        return NULL;
    luaL_openlibs(S);
    lua_sethook(S, count_hook, LUA_MASKCOUNT | LUA_MASKCALL, HOOK_EVERY);
    states[0] = S;
    return S;
}

/* The scenario's thread: hooked like the main state. */
void sandbox_thread(lua_State *T)
{
    lua_sethook(T, stopping ? stop_hook : count_hook,
                LUA_MASKCOUNT | (stopping ? 0 : LUA_MASKCALL), stopping ? 1 : HOOK_EVERY);
    states[1] = T;
}

void sandbox_close(void)
{
    states[0] = states[1] = NULL;
}

static int to_text(lua_State *S)
{
    luaL_tolstring(S, 1, NULL);             /* __tostring, if it has one */
    return 1;
}

/* Does msg start with a place, "file:line:"? */
static int has_place(const char *msg)
{
    const char *colon = strchr(msg, ':');
    if (colon == NULL || colon == msg || colon[1] < '0' || colon[1] > '9')
        return 0;
    for (colon++; *colon >= '0' && *colon <= '9'; colon++)
        ;
    return *colon == ':';
}

/* The error on top of S as text for people: any error object (a table
 * with __tostring, a number, nil), with the scenario's file:line in front
 * when it has none, found on W's stack (the scenario's thread, whose
 * frames an error leaves in place). Pops the error. */
void sandbox_error_text(lua_State *S, lua_State *W, char *out, size_t len)
{
    char where[300], text[400];
    const char *msg = NULL;

    if (lua_type(S, -1) == LUA_TSTRING || lua_type(S, -1) == LUA_TNUMBER) {
        msg = lua_tostring(S, -1);
    } else {
        lua_pushcfunction(S, to_text);
        lua_pushvalue(S, -2);
        lua_enter();                        /* __tostring is the scenario's code */
        int st = lua_pcall(S, 1, 1, 0);
        lua_leave();
        msg = st == LUA_OK ? lua_tostring(S, -1) : NULL;
        snprintf(text, sizeof text, "%s", msg ? msg : "(an error object that cannot be shown)");
        lua_pop(S, 1);
        msg = text;
    }
    where_in(W, where, sizeof where);
    snprintf(out, len, "%s%s", has_place(msg) ? "" : where, msg);
    lua_pop(S, 1);
}

/* Where the scenario was when a hook last looked ("" if none did): for
 * the watchdog's message when Lua could not be stopped. */
const char *sandbox_last_where(void)
{
    return last_where;
}

/* Was the last error a stop by a signal (not the scenario's fault)? */
int sandbox_interrupted(void)
{
    return stopping == STOP_SIGNAL;
}

/* A memory error's message ("not enough memory") has no place: replace
 * it, on top of S, with the line where runs the scenario, found on W. */
void sandbox_locate(lua_State *W, lua_State *S, int status)
{
    if (status != LUA_ERRMEM)
        return;
    if (!stopping)
        stopping = STOP_MEMORY;
    char where[300];
    where_in(W, where, sizeof where);
    lua_pop(S, 1);
    lua_pushfstring(S, "%s%s", where, stop_reason());
}

/* The scenario's _ENV on top of the stack. */
void sandbox_env(lua_State *S)
{
    static const char *const base[] = { "assert", "error", "ipairs", "next",
        "pairs", "rawequal", "rawget", "rawlen", "rawset", "select",
        "getmetatable", "tonumber", "tostring", "type", "_VERSION",
        "string", "table", "math", "utf8", NULL };

    lua_newtable(S);
    for (int i = 0; base[i]; i++) {
        lua_getglobal(S, base[i]);
        lua_setfield(S, -2, base[i]);
    }
    lua_pushcfunction(S, l_pcall);
    lua_setfield(S, -2, "pcall");
    lua_pushcfunction(S, l_xpcall);
    lua_setfield(S, -2, "xpcall");
    lua_getglobal(S, "setmetatable");
    lua_pushcclosure(S, l_setmetatable, 1);
    lua_setfield(S, -2, "setmetatable");
    lua_getfield(S, -1, "string");          /* no string.dump (bytecode) */
    lua_pushnil(S);
    lua_setfield(S, -2, "dump");
    lua_pop(S, 1);
    lua_pushvalue(S, -1);
    lua_setfield(S, -2, "_G");
}
