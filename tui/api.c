/* api.c - the calls a scenario makes (docs/scenario-api.md): metadata,
 * narration, waits, programs and spawn, channels. Objects' methods are in
 * api_objects.c. Errors are raised with luaL_error, which puts the
 * scenario's file:line in front of the reason. */
#include "ipclab.h"
#include "api.h"
#include "lessons.h"

#include <errno.h>
#include <glob.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int l_scenario(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "title");
    if (lua_isstring(L, -1))
        scopy(R.title, sizeof R.title, lua_tostring(L, -1));
    lua_getfield(L, 1, "signals");
    R.show_signals = lua_toboolean(L, -1);
    tlog("scenario %s", R.title);
    return 0;
}

/* A text argument of the scenario into out (size bytes): cut at a
 * character with "..." when longer; a NUL byte in it shown as '?', not
 * the end of the text. */
static void text_arg(lua_State *L, int i, char *out, size_t size)
{
    size_t len, max = size - 1, n;
    const char *s = luaL_checklstring(L, i, &len);
    n = len > max ? max - 3 : len;
    while (len > max && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;                                /* not inside a UTF-8 character */
    for (size_t k = 0; k < n; k++)
        out[k] = s[k] ? s[k] : '?';
    strcpy(out + n, len > max ? "..." : "");
}

/* say(text): at most 255 bytes (text_arg). */
static int l_say(lua_State *L)
{
    text_arg(L, 1, R.narration, sizeof R.narration);
    tlog("say %s", R.narration);
    story_add(ST_SAY, R.narration);
    return 0;
}

static int l_print(lua_State *L)
{
    luaL_Buffer b;
    int n = lua_gettop(L);                  /* before luaL_buffinit pushes its box */
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    tlog("print %s", lua_tostring(L, -1));
    return 0;
}

static int l_expect(lua_State *L)
{
    char msg[256];
    text_arg(L, 2, msg, sizeof msg);
    if (lua_isfunction(L, 1)) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        lua_replace(L, 1);
    }
    int ok = lua_toboolean(L, 1);
    R.expects++;
    R.failed += !ok;
    tlog("expect %s: %s", ok ? "ok" : "FAILED", msg);
    story_add(ok ? ST_OK : ST_FAILED, msg);
    lua_pushboolean(L, ok);
    return 1;
}

/* Waits: each yields to the event loop; the continuation runs on resume. */

static int k_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)L; (void)status; (void)ctx;
    return 0;
}

static int l_sleep(lua_State *L)
{
    double s = luaL_checknumber(L, 1);
    luaL_argcheck(L, s >= 0, 1, "a time in seconds, 0 or more");
    return scen_wait(L, W_SLEEP, s > 0 ? s : 1e-9, 0, k_done);
}

static int k_paused(lua_State *L, int status, lua_KContext ctx)
{
    (void)L; (void)status; (void)ctx;
    story_step();                           /* what comes next is a new step */
    return 0;
}

static int l_pause(lua_State *L)
{
    if (lua_isstring(L, 1))
        l_say(L);
    if (R.headless && R.pace > 0) {         /* a teacher's pause, for tests */
        tlog("pause (headless: continuing after %g s)", R.pace);
        return scen_wait(L, W_SLEEP, R.pace, 0, k_done);
    }
    if (R.headless) {
        tlog("pause (headless: continuing)");
        return 0;
    }
    tlog("pause (waiting for space)");     /* --record: where the class is */
    return scen_wait(L, W_PAUSE, 0, 0, k_paused);
}

static int k_until(lua_State *L, int status, lua_KContext ctx)
{
    (void)status; (void)ctx;
    luaL_unref(L, LUA_REGISTRYINDEX, R.wait_ref);
    R.wait_ref = LUA_NOREF;
    if (R.timed_out) {
        /* Where each live process is, as the kernel showed it last: what a
         * reader of the error needs to tell a slow program from a stuck one. */
        char secs[32], now[600] = "", one[200], killed[200];
        size_t n = 0;
        snprintf(secs, sizeof secs, "%g", lua_tonumber(L, 2));
        killed_with_k(killed, sizeof killed);   /* the likely reason: said first */
        for (int i = 0; i < MAX_PROCS && n + 1 < sizeof now; i++) {
            const struct proc *p = &R.procs[i];
            if (!p->used || p->exited)
                continue;
            describe_proc(p, one, sizeof one);
            n += (size_t)snprintf(now + n, sizeof now - n, "%s%s %s", n ? ", " : "; now: ",
                                  p->name, one);
        }
        if (n >= sizeof now)
            snprintf(now + sizeof now - 4, 4, "...");
        clean_text(now, 0);
        clean_text(killed, 0);
        return luaL_error(L, "timed out after %s s waiting for %s%s%s", secs, R.wait_what, killed, now);
    }
    return 1;                               /* the predicate's value */
}

static int l_wait_until(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    double timeout = luaL_checknumber(L, 2);
    luaL_argcheck(L, timeout > 0, 2, "a timeout in seconds, more than 0");
    scopy(R.wait_what, sizeof R.wait_what, luaL_optstring(L, 3, "the condition"));
    lua_pushvalue(L, 1);
    R.wait_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return scen_wait(L, W_UNTIL, timeout, 0, k_until);
}

#define STEP_TIMEOUT 10.0

/* step(proc, n): release n traced calls, then wait at the next one. */
static int k_step(lua_State *L, int status, lua_KContext left)
{
    struct proc *p = &R.procs[R.wait_proc];
    (void)status;
    if (R.timed_out)
        return luaL_error(L, "%s did not reach a traced call within %d s",
                          p->name, (int)STEP_TIMEOUT);
    if (p->exited) {
        lua_pushnil(L);
        return 1;
    }
    if (!p->step_waiting) {                 /* blocked in the kernel */
        lua_newtable(L);
        lua_pushstring(L, p->open_call);
        lua_setfield(L, -2, "op");
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "blocked");
        return 1;
    }
    if (left > 0) {
        if (proc_step_go(R.wait_proc) == -1)
            return luaL_error(L, "step %s: its step pipe is closed", p->name);
        return scen_wait(L, W_STEP, STEP_TIMEOUT, left - 1, k_step);
    }
    const struct event *e = &R.events[p->step_event];
    lua_newtable(L);
    lua_pushstring(L, e->op);
    lua_setfield(L, -2, "op");
    lua_pushinteger(L, e->fd);
    lua_setfield(L, -2, "fd");
    lua_pushstring(L, e->obj);
    lua_setfield(L, -2, "obj");
    lua_pushinteger(L, e->len);
    lua_setfield(L, -2, "len");
    if (e->sig) {                           /* held before a kill: which signal, to whom */
        char name[24];
        lua_pushstring(L, sig_name(e->sig, name, sizeof name));
        lua_setfield(L, -2, "sig");
    }
    if (e->has & EV_TO) {
        lua_pushinteger(L, e->to);
        lua_setfield(L, -2, "to");
    }
    if (e->has & EV_VALUE) {
        lua_pushinteger(L, e->value);
        lua_setfield(L, -2, "value");
    }
    return 1;
}

static int l_step(lua_State *L)
{
    int i = check_proc(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, n >= 0, 2, "a number of calls, 0 or more");
    if (R.procs[i].step_fd < 0)
        return luaL_error(L, "%s is not in step mode: spawn it with step = true",
                          R.procs[i].name);
    R.wait_proc = i;
    return scen_wait(L, W_STEP, STEP_TIMEOUT, (long)n, k_step);
}

static int l_run_free(lua_State *L)
{
    struct proc *p = &R.procs[check_proc(L, 1)];
    if (p->step_fd >= 0)
        close(p->step_fd);                  /* EOF: it stops waiting */
    p->step_fd = -1;
    p->step_waiting = 0;
    return 0;
}

#define MAX_ARGS 60

/* spawn { argv..., name=, lang=, stdin=, stdout=, fds=, args_fds=, env=, step= } */
static int l_spawn(lua_State *L)
{
    struct spawn_req req;
    char err[512], fdargs[16][12];
    const char *name = NULL, *lang = "program";   /* neither C "x" nor Python "x" */
    int ch, end;

    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&req, 0, sizeof req);
    for (lua_Integer k = 1; lua_rawgeti(L, 1, k) != LUA_TNIL; k++) {
        if (lua_istable(L, -1)) {           /* C "x" / Python "x.py" */
            lua_getfield(L, -1, "name");
            lua_getfield(L, -2, "lang");
            if (!name) {                    /* the first program names it */
                name = lua_tostring(L, -2);
                if (lua_isstring(L, -1)) lang = lua_tostring(L, -1);
            }
            lua_pop(L, 2);
            int prog = lua_gettop(L);
            for (lua_Integer j = 1; lua_rawgeti(L, prog, j) == LUA_TSTRING; j++) {
                if (req.argc == MAX_ARGS)
                    return luaL_error(L, "spawn: more than %d arguments", MAX_ARGS);
                req.argv[req.argc++] = (char *)lua_tostring(L, -1);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        } else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
            if (req.argc == MAX_ARGS)
                return luaL_error(L, "spawn: more than %d arguments", MAX_ARGS);
            size_t n;
            const char *a = lua_tolstring(L, -1, &n);
            if (strlen(a) != n)
                return luaL_error(L, "spawn: argument %d holds a NUL byte", (int)k);
            req.argv[req.argc++] = (char *)a;
        } else {
            return luaL_error(L, "spawn: argument %d must be a string or C/Python program", (int)k);
        }
        /* Values stay referenced by the table until spawn returns. */
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (req.argc == 0)
        return luaL_error(L, "spawn: no program given");
    lua_getfield(L, 1, "name");
    req.name = lua_isstring(L, -1) ? lua_tostring(L, -1)
             : name ? name : strrchr(req.argv[0], '/') ? strrchr(req.argv[0], '/') + 1 : req.argv[0];
    lua_getfield(L, 1, "lang");
    req.lang = lua_isstring(L, -1) ? lua_tostring(L, -1) : lang;
    lua_getfield(L, 1, "step");
    req.step = lua_toboolean(L, -1);
    lua_getfield(L, 1, "follow");           /* false: its descendants get no pane */
    req.nofollow = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_pop(L, 4);

    static const char *const std[] = { "stdin", "stdout", NULL };
    for (int s = 0; std[s]; s++) {
        lua_getfield(L, 1, std[s]);
        if (s == 0 && lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "pipe") == 0) {
            req.stdin_pipe = 1;
        } else if (!lua_isnil(L, -1)) {
            char what[32];
            snprintf(what, sizeof what, "spawn: %s", std[s]);
            ch = field_end(L, lua_gettop(L), what, &end);
            if (R.chans[ch].end[end] < 0)
                return luaL_error(L, "spawn: that channel end was already closed");
            req.fd_target[req.nfds] = s;
            req.fd_source[req.nfds++] = R.chans[ch].end[end];
            R.chans[ch].handed[end] = 1;
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "fds");
    if (lua_istable(L, -1))
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
            lua_Integer target = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : -1;
            if (target < 3 || target >= TRACE_FD)
                return luaL_error(L, "spawn: fds: descriptor numbers are 3 to %d", TRACE_FD - 1);
            if (req.nfds == 16)
                return luaL_error(L, "spawn: at most 16 channel ends");
            char what[32];
            snprintf(what, sizeof what, "spawn: fds[%d]", (int)target);
            ch = field_end(L, lua_gettop(L), what, &end);
            if (R.chans[ch].end[end] < 0)
                return luaL_error(L, "spawn: fds[%d]: that end was already closed", (int)target);
            /* In order of target (lua_next has none): args_fds lists them so. */
            int k = req.nfds++;
            for (; k > 0 && req.fd_target[k - 1] > target; k--) {
                req.fd_target[k] = req.fd_target[k - 1];
                req.fd_source[k] = req.fd_source[k - 1];
            }
            req.fd_target[k] = (int)target;
            req.fd_source[k] = R.chans[ch].end[end];
            R.chans[ch].handed[end] = 1;
        }
    lua_pop(L, 1);
    lua_getfield(L, 1, "args_fds");
    if (lua_toboolean(L, -1))
        for (int f = 0; f < req.nfds && req.argc < MAX_ARGS + 2; f++)
            if (req.fd_target[f] > 1) {
                snprintf(fdargs[f], sizeof fdargs[f], "%d", req.fd_target[f]);
                req.argv[req.argc++] = fdargs[f];
            }
    lua_pop(L, 1);
    lua_getfield(L, 1, "env");
    if (lua_istable(L, -1))
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
            if (req.nenv == 32)
                return luaL_error(L, "spawn: env: at most 32 variables");
            if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1))
                return luaL_error(L, "spawn: env: names and values are strings");
            size_t nn, nv;
            const char *n = lua_tolstring(L, -2, &nn), *v = lua_tolstring(L, -1, &nv);
            if (strlen(n) != nn || strlen(v) != nv || nn == 0 || strchr(n, '='))
                return luaL_error(L, "spawn: env: a name without '=' or NUL, a value without NUL");
            if (strncmp(n, "IPCLAB_", 7) == 0)      /* the run's mark and descriptors */
                return luaL_error(L, "spawn: env: IPCLAB_ names are ipclab's own");
            lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
            req.env[req.nenv++] = (char *)lua_tostring(L, -1);
            lua_insert(L, 1);               /* keep the string alive */
        }
    int i = spawn_proc(&req, err, sizeof err);
    if (i < 0)
        return luaL_error(L, "spawn: %s", err);
    tlog("spawn %s pid %d [%s] %s", R.procs[i].name, (int)R.procs[i].pid,
         R.procs[i].lang, R.procs[i].cmd);
    push_proc(L, i);
    return 1;
}

/* Channels. */

static int made(lua_State *L, int i, const char *err)
{
    if (i < 0)
        return luaL_error(L, "%s", err);
    push_chan(L, i);
    return 1;
}

static int l_pipe(lua_State *L)
{
    char err[256];
    return made(L, chan_pipe(luaL_optstring(L, 1, "pipe"), err, sizeof err), err);
}

static int l_fifo(lua_State *L)
{
    char err[400];
    const char *name = luaL_checkstring(L, 1);
    int make = 1;
    luaL_argcheck(L, name[0] && strlen(name) < 64 && !strchr(name, '/') && name[0] != '.', 1,
                  "a plain file name, under 64 characters");
    if (!lua_isnoneornil(L, 2)) {           /* { make = false }: the programs make it */
        luaL_checktype(L, 2, LUA_TTABLE);
        for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
            luaL_argcheck(L, lua_type(L, -2) == LUA_TSTRING &&
                          strcmp(lua_tostring(L, -2), "make") == 0 &&
                          lua_type(L, -1) == LUA_TBOOLEAN, 2,
                          "the only option is make = true or false");
            make = lua_toboolean(L, -1);
        }
    }
    return made(L, chan_fifo(name, make, err, sizeof err), err);
}

static int l_socketpair(lua_State *L)
{
    static const char *const types[] = { "stream", "dgram", "seqpacket", NULL };
    static const int socktypes[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
    char err[256];
    int t = luaL_checkoption(L, 1, "stream", types);
    return made(L, chan_socketpair(types[t], socktypes[t], err, sizeof err), err);
}

/* A name for ipcname and sysvkey: 1 to 40 letters, digits, '.', '_', '-'. */
static const char *check_label(lua_State *L, int arg)
{
    size_t n;
    const char *s = luaL_checklstring(L, arg, &n);
    int ok = n >= 1 && n <= 40 && s[0] != '.' && s[0] != '-';
    for (size_t k = 0; k < n && ok; k++)
        ok = (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
             (s[k] >= '0' && s[k] <= '9') || s[k] == '.' || s[k] == '_' || s[k] == '-';
    luaL_argcheck(L, ok, arg, "a name of 1 to 40 letters, digits, '.', '_' or '-'");
    return s;
}

static int l_ipcname(lua_State *L)
{
    char out[128];
    ipcname(check_label(L, 1), out, sizeof out);
    lua_pushstring(L, out);
    return 1;
}

static int l_sysvkey(lua_State *L)
{
    long key = sysvkey(check_label(L, 1));
    if (key == -1)
        return luaL_error(L, "sysvkey: a run has at most 255 System V keys");
    lua_pushinteger(L, key);
    return 1;
}

/* A POSIX name ("/name": one slash, then up to 250 bytes, no NUL, as
 * shm_overview(7) and sem_overview(7) allow) or a System V key (an int,
 * not 0 = IPC_PRIVATE) and, for a semaphore set, an element index. */
static int watched(lua_State *L, enum ctype type)
{
    int i;
    if (lua_type(L, 1) == LUA_TNUMBER) {
        int whole;
        lua_Integer key = lua_tointegerx(L, 1, &whole);     /* 2^31 - 1 too */
        key = whole ? key : 0;
        lua_Integer index = luaL_optinteger(L, 2, 0);
        luaL_argcheck(L, key != 0 && key >= INT_MIN && key <= INT_MAX, 1,
                      "a System V key: a whole number that fits a key_t, not 0");
        luaL_argcheck(L, index >= 0 && index < 32000, 2, "an index in the set, 0 to 31999");
        i = chan_ipc(type, NULL, (long)key, (long)index);
    } else {
        size_t n;
        const char *name = luaL_checklstring(L, 1, &n);
        /* NAME_MAX after the '/'; a semaphore's file is "sem.NAME": 4 less. */
        size_t max = type == CH_SEM ? 251 : 255;
        luaL_argcheck(L, n >= 2 && n - 1 <= max && name[0] == '/' && !strchr(name + 1, '/') &&
                      strlen(name) == n && strcmp(name, "/.") != 0 && strcmp(name, "/..") != 0,
                      1, type == CH_SEM
                      ? "a POSIX semaphore name: '/', then 1 to 251 bytes without '/', not . or .."
                      : "a POSIX name: '/', then 1 to 255 bytes without '/', not . or ..");
        i = chan_ipc(type, name, 0, 0);
    }
    return made(L, i, "too many channels");
}

static int l_shm(lua_State *L) { return watched(L, CH_SHM); }
static int l_sem(lua_State *L) { return watched(L, CH_SEM); }
static int l_mqueue(lua_State *L) { return watched(L, CH_MQ); }

void api_register(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "scenario", l_scenario }, { "say", l_say }, { "print", l_print },
        { "expect", l_expect }, { "sleep", l_sleep }, { "pause", l_pause },
        { "wait_until", l_wait_until }, { "step", l_step }, { "run_free", l_run_free },
        { "spawn", l_spawn },
        { "pipe", l_pipe }, { "fifo", l_fifo }, { "socketpair", l_socketpair },
        { "ipcname", l_ipcname }, { "sysvkey", l_sysvkey }, { "shm", l_shm },
        { "sem", l_sem }, { "mqueue", l_mqueue }, { "tcp", l_tcp }, { NULL, NULL } };
    luaL_setfuncs(L, fns, 0);
    api_programs_register(L);
    api_unix_register(L);
    api_objects_register(L);
}
