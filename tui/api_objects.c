/* api_objects.c - processes and channels as the scenario sees them
 * (docs/scenario-api.md): proc:state(), p:level(), watch(), ... Every value
 * comes from the kernel: a method samples when it is called. */
#include "ipclab.h"
#include "api.h"

#include <lauxlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Handles are full userdata, checked by their metatable on every use, as
 * Lua's io library checks file handles: a table with the right fields is
 * not a process. Each carries the run's generation, so a handle can never
 * name a slot of another run. One userdata per object, kept in a registry
 * table, so p:children()[1] == child holds. */
enum { H_PROC, H_CHAN, H_END };
static const char *const meta[] = { "ipclab.proc", "ipclab.chan", "ipclab.end" };
static const char *const what[] = { "process", "channel", "channel end (p.r, p.w, s.a, s.b)" };

struct handle { int kind, index, end; unsigned gen; };

static void push_handle(lua_State *L, int kind, int i, int end)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "ipclab.handles");
    lua_Integer key = (lua_Integer)(kind * 1000 + i * 2 + end);
    if (lua_rawgeti(L, -1, key) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    struct handle *h = lua_newuserdatauv(L, sizeof *h, 0);
    *h = (struct handle){ kind, i, end, R.gen };
    luaL_setmetatable(L, meta[kind]);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, key);
    lua_remove(L, -2);
}

static struct handle *check_handle(lua_State *L, int arg, int kind)
{
    struct handle *h = luaL_testudata(L, arg, meta[kind]);
    if (h == NULL)
        luaL_typeerror(L, arg, what[kind]);
    int max = kind == H_PROC ? MAX_PROCS : MAX_CHANS;
    int used = h->index >= 0 && h->index < max &&
               (kind == H_PROC ? R.procs[h->index].used : R.chans[h->index].used);
    if (h->gen != R.gen || !used)
        luaL_argerror(L, arg, "a stale handle: its object belongs to another run");
    return h;
}

void push_proc(lua_State *L, int i) { push_handle(L, H_PROC, i, 0); }
void push_chan(lua_State *L, int i) { push_handle(L, H_CHAN, i, 0); }
int check_proc(lua_State *L, int arg) { return check_handle(L, arg, H_PROC)->index; }
int check_chan(lua_State *L, int arg) { return check_handle(L, arg, H_CHAN)->index; }

int check_end(lua_State *L, int arg, int *end)
{
    struct handle *h = check_handle(L, arg, H_END);
    *end = h->end;
    return h->index;
}

/* A channel end in a field of a table (spawn's stdin, stdout, fds[3]):
 * an error names the field, not a slot of Lua's stack. */
int field_end(lua_State *L, int idx, const char *field, int *end)
{
    const struct handle *h = luaL_testudata(L, idx, meta[H_END]);
    if (h == NULL || h->gen != R.gen || !R.chans[h->index].used)
        return luaL_error(L, "%s must be a channel end (p.r, p.w, s.a, s.b), got %s",
                          field, h ? "a stale one" : luaL_getmetafield(L, idx, "__name") ==
                          LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, idx));
    *end = h->end;
    return h->index;
}

/* p.pid, p.name; ch.r, ch.w (pipe), ch.a, ch.b (socketpair), ch.path
 * (FIFO), ch.name (shm, sem, queue); otherwise a method. */
static int proc_index_mm(lua_State *L)
{
    const struct proc *p = &R.procs[check_proc(L, 1)];
    const char *k = lua_tostring(L, 2);
    if (k && strcmp(k, "pid") == 0)
        lua_pushinteger(L, p->pid);
    else if (k && strcmp(k, "name") == 0)
        lua_pushstring(L, p->name);
    else
        lua_gettable(L, lua_upvalueindex(1));
    return 1;
}

static int chan_index_mm(lua_State *L)
{
    int i = check_chan(L, 1);
    const struct chan *c = &R.chans[i];
    const char *k = lua_tostring(L, 2);
    static const char *const ends[] = { "r", "w", "a", "b" };
    for (int e = 0; k && e < 4; e++)
        if (strcmp(k, ends[e]) == 0) {
            if ((c->type == CH_PIPE && e < 2) || (c->type == CH_SOCKPAIR && e >= 2))
                push_handle(L, H_END, i, e % 2);
            else
                lua_pushnil(L);
            return 1;
        }
    if (k && strcmp(k, c->type == CH_FIFO ? "path" : "name") == 0 &&
        c->type != CH_PIPE && c->type != CH_SOCKPAIR)
        lua_pushstring(L, c->path);
    else
        lua_gettable(L, lua_upvalueindex(1));
    return 1;
}

static int tostring_mm(lua_State *L)
{
    const struct handle *h = lua_touserdata(L, 1);
    const char *label = h->gen == R.gen ? R.chans[h->index].label : "?";
    if (h->kind == H_PROC && h->gen == R.gen)
        lua_pushfstring(L, "process %s (pid %d)", R.procs[h->index].name,
                        (int)R.procs[h->index].pid);
    else if (h->kind == H_PROC)
        lua_pushstring(L, "process ?");
    else if (h->kind == H_CHAN)
        lua_pushfstring(L, "channel %s", label);
    else
        lua_pushfstring(L, "channel end %s of %s", h->end ? "w/b" : "r/a", label);
    return 1;
}

/* Process methods. */

static struct proc *sampled(lua_State *L)
{
    struct proc *p = &R.procs[check_proc(L, 1)];
    if (!p->exited && procfs_sample(p, now()) == -1 && !p->spawned)
        p->exited = 1;
    return p;
}

static int p_state(lua_State *L)
{
    struct proc *p = sampled(L);
    unix_fresh(p);                          /* a call on a Unix socket: named as it is now */
    note_state((int)(p - R.procs));         /* the transcript has what it saw, */
    events_drain();                         /* told now, before any check on it */
    lua_newtable(L);
    int gone = p->exited || p->exiting;     /* on its way out: no call, no fd */
    lua_pushstring(L, p->exited ? "exited" : p->exiting ? "exiting" : pstate_name(p->state));
    lua_setfield(L, -2, "state");
    if (p->call[0] && !gone) {
        lua_pushstring(L, p->call);
        lua_setfield(L, -2, "call");
    }
    if (p->call_fd >= 0 && !gone) {
        lua_pushinteger(L, p->call_fd);
        lua_setfield(L, -2, "fd");
        lua_pushstring(L, p->object);
        lua_setfield(L, -2, "object");
    }
    if (socket_state_field(L, p))           /* on a TCP socket (api_sockets.c) */
        lua_setfield(L, -2, "socket");
    if (p->fifo_path[0] && !gone) {         /* asleep in open() of a FIFO */
        lua_pushfstring(L, "FIFO %s", p->fifo_path);
        lua_setfield(L, -2, "object");
        lua_pushstring(L, p->fifo_acc == 0 ? "read" : p->fifo_acc == 1 ? "write" : "read-write");
        lua_setfield(L, -2, "opening");
    }
    lua_pushstring(L, p->wchan);
    lua_setfield(L, -2, "wchan");
    lua_pushnumber(L, now() - p->since);
    lua_setfield(L, -2, "since");
    return 1;
}

static int p_blocked_in(lua_State *L)
{
    struct proc *p = sampled(L);
    const char *call = luaL_checkstring(L, 2);
    int yes = !p->exited && !p->exiting && (p->state == PS_SLEEPING || p->state == PS_DISK) &&
              strcmp(p->call, call) == 0;
    if (yes) {                              /* what a wait or a check relies on */
        unix_fresh(p);
        note_state((int)(p - R.procs));
        events_drain();
    }
    lua_pushboolean(L, yes);
    return 1;
}

/* p:cpu(): the CPU time it has used, in seconds (user + system, from
 * /proc/PID/stat; to 1/100 s); nil once it has exited. A process asleep
 * uses none; one that spins uses about 1 s a second. */
static int p_cpu(lua_State *L)
{
    struct proc *p = sampled(L);
    double cpu = p->exited ? -1 : procfs_cpu(p->pid);
    if (cpu < 0)
        lua_pushnil(L);
    else
        lua_pushnumber(L, cpu);
    return 1;
}

static int p_exited(lua_State *L)
{
    reap_children();
    lua_pushboolean(L, sampled(L)->exited);
    return 1;
}

static int p_status(lua_State *L)
{
    struct proc *p = &R.procs[check_proc(L, 1)];
    reap_children();
    if (p->exited && p->status[0])
        lua_pushstring(L, p->status);
    else
        lua_pushnil(L);
    return 1;
}

/* The processes it started that ipclab follows (live or not), as of the
 * last sample: a child started a moment ago shows at the next one. */
static int p_children(lua_State *L)
{
    int i = check_proc(L, 1), n = 0;

    lua_newtable(L);
    for (int k = 0; k < MAX_PROCS; k++)
        if (R.procs[k].used && R.procs[k].parent == i) {
            push_proc(L, k);
            lua_rawseti(L, -2, ++n);
        }
    return 1;
}

static int p_output(lua_State *L)
{
    struct proc *p = &R.procs[check_proc(L, 1)];
    read_outputs();
    lua_pushlstring(L, p->out, p->out_len);
    return 1;
}

/* Queued, never blocking: the loop writes as fast as the process reads. */
static int p_write(lua_State *L)
{
    int i = check_proc(L, 1);
    struct proc *p = &R.procs[i];
    size_t n;
    const char *s = luaL_checklstring(L, 2, &n);
    if (p->in_fd < 0 || p->in_close)
        return luaL_error(L, "%s: its stdin is %s", p->name, p->in_close || p->exited
                          ? "closed" : "not a pipe: spawn it with stdin = \"pipe\"");
    if (proc_feed(i, s, n) == -1)
        return luaL_error(L, "%s: more than %d bytes wait to be read from its stdin",
                          p->name, IN_KEEP);
    return 0;
}

static int p_close_stdin(lua_State *L)
{
    proc_close_stdin(check_proc(L, 1));
    return 0;
}

static void set_int(lua_State *L, const char *k, long v);

static int send_signal(lua_State *L, int sig)
{
    struct proc *p = &R.procs[check_proc(L, 1)];
    if (proc_signal((int)(p - R.procs), sig) == -1 && !p->exited)
        return luaL_error(L, "kill %s (pid %d): cannot send the signal", p->name, (int)p->pid);
    char name[24];
    tlog("signal %s %s", p->name, sig_name(sig, name, sizeof name));
    return 0;
}

/* A signal named as sigmask.c names them ("USR1", "SIGUSR1",
 * "SIGRTMIN+3"), else an error at the scenario's line. */
static int check_signal(lua_State *L, int arg)
{
    const char *name = luaL_checkstring(L, arg);
    int sig = sig_number(name);
    if (sig == 0 || sig == 32 || sig == 33)
        return luaL_error(L, "unknown signal '%s' (a name: \"USR1\", \"SIGTERM\", "
                          "\"SIGRTMIN+3\")", name);
    return sig;
}

static int p_signal(lua_State *L)
{
    return send_signal(L, check_signal(L, 2));
}

/* Its signals read now from /proc/PID/status (and each thread's), told
 * in the transcript at once; NULL once it has exited or is exiting, or
 * cannot be read. */
static struct proc *signals_now(lua_State *L)
{
    struct proc *p = sampled(L);
    if (p->exited || p->exiting || procfs_signals(p->pid, &p->sig) == -1)
        return NULL;
    p->sig_read = 1;
    return p;
}

static void set_names(lua_State *L, const char *k, unsigned long long set)
{
    char name[24];
    int n = 0;
    lua_newtable(L);
    for (int s = 1; s <= SIG_MAX; s++)
        if (set >> (s - 1) & 1) {
            lua_pushstring(L, sig_name(s, name, sizeof name));
            lua_rawseti(L, -2, ++n);
            lua_pushboolean(L, 1);          /* and by name: s.blocked.SIGUSR1 */
            lua_setfield(L, -2, name);
        }
    lua_setfield(L, -2, k);
}

/* p:signals(): { pending = { "SIGUSR1" }, shared_pending = {...}, blocked,
 * ignored, caught, queued = 1, queue_limit = 96551, threads = { { tid =,
 * pending = {...} } } } as the kernel shows them now; nil once it has
 * exited. */
static int p_signals(lua_State *L)
{
    struct proc *p = signals_now(L);
    if (p == NULL) {
        lua_pushnil(L);
        return 1;
    }
    note_signals((int)(p - R.procs), 1);       /* the transcript has what it saw, */
    events_drain();                         /* told now, before any check on it */
    const struct sigstate *s = &p->sig;
    lua_newtable(L);
    set_names(L, "pending", s->pending);
    set_names(L, "shared_pending", s->shared);
    set_names(L, "blocked", s->blocked);
    set_names(L, "ignored", s->ignored);
    set_names(L, "caught", s->caught);
    set_int(L, "queued", s->queued);
    set_int(L, "queue_limit", s->limit);
    lua_newtable(L);
    for (int t = 0; t < s->nthread; t++) {
        lua_newtable(L);
        set_int(L, "tid", s->thread[t].tid);
        set_names(L, "pending", s->thread[t].pending);
        lua_rawseti(L, -2, t + 1);
    }
    lua_setfield(L, -2, "threads");
    return 1;
}

/* p:pending("USR1"): is that signal pending in it now, for the process
 * (kill) or for any of its threads? */
static int p_pending(lua_State *L)
{
    int sig = check_signal(L, 2);
    struct proc *p = signals_now(L);
    unsigned long long bit = 1ULL << (sig - 1), any = 0;
    if (p) {
        any = p->sig.shared | p->sig.pending;
        for (int t = 0; t < p->sig.nthread; t++)
            any |= p->sig.thread[t].pending;
    }
    int yes = (any & bit) != 0;
    if (yes) {                              /* what a wait or a check relies on */
        note_signals((int)(p - R.procs), 1);
        events_drain();
    }
    lua_pushboolean(L, yes);
    return 1;
}

static int p_stop(lua_State *L) { return send_signal(L, SIGSTOP); }
static int p_cont(lua_State *L) { return send_signal(L, SIGCONT); }
static int p_kill(lua_State *L) { return send_signal(L, SIGKILL); }

static void set_int(lua_State *L, const char *k, long v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* Its trace so far, one table per line (docs/trace-protocol.md). */
static int p_events(lua_State *L)
{
    int i = check_proc(L, 1);
    const char *op = luaL_optstring(L, 2, NULL);
    unsigned long first = R.nevents > MAX_EVENTS ? R.nevents - MAX_EVENTS : 0;
    int n = 0;

    events_drain();
    lua_newtable(L);
    for (unsigned long k = first; k < R.nevents; k++) {
        const struct event *e = event_at(k);
        if (e->proc != i || e->ev == 's' || e->ev == 'g' || (op && strcmp(e->op, op) != 0))
            continue;
        lua_newtable(L);
        set_str(L, "ev", e->ev == 'b' ? "before" : e->ev == 'a' ? "after" : "note");
        lua_pushnumber(L, e->t - R.t0);
        lua_setfield(L, -2, "t");
        if (e->sig) {                       /* a signal sent or taken */
            char name[24];
            set_str(L, "sig", sig_name(e->sig, name, sizeof name));
        }
        if (e->has & EV_TO)
            set_int(L, "to", e->to);
        if (e->has & EV_FROM)
            set_int(L, "from", e->from);
        if (e->has & EV_VALUE)
            set_int(L, "value", e->value);
        if (e->ev == 'n') {
            set_str(L, "text", e->text);
        } else {
            set_str(L, "op", e->op);
            set_int(L, "fd", e->fd);
            set_str(L, "data", e->data);
            if (e->ev == 'b') {
                set_int(L, "len", e->len);
                set_str(L, "obj", e->obj);
            } else {
                set_int(L, "ret", e->ret);
                set_str(L, "errno", e->err);
            }
        }
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* Channel methods. */

struct chan *chan_now(lua_State *L)
{
    struct chan *c = &R.chans[check_chan(L, 1)];
    chan_sample(c);
    note_chan(c);                           /* the transcript has what it saw */
    return c;
}

static void push_known(lua_State *L, long v)
{
    if (v < 0) lua_pushnil(L); else lua_pushinteger(L, v);
}

static int c_level(lua_State *L) { push_known(L, chan_now(L)->level); return 1; }
static int c_capacity(lua_State *L) { push_known(L, chan_now(L)->capacity); return 1; }
static int c_value(lua_State *L) { push_known(L, chan_now(L)->value); return 1; }

/* c:holders(): who holds a pipe or FIFO, { process =, fd =, access = "read" |
 * "write" | "read-write" }; a FIFO's waiters in open() come last, fd nil,
 * opening = true. Read from /proc/PID/fd and fdinfo (holders.c). */
static int c_holders(lua_State *L)
{
    static const char *const acc[] = { "read", "write", "read-write" };
    struct chan *c = chan_now(L);
    int n = 0;
    if (c->type == CH_PIPE)
        chan_holders(c);                    /* sampled for FIFOs only: asked here */
    if (c->type == CH_FIFO)
        note_holders(c, 0);                 /* the transcript has what it saw */
    lua_newtable(L);
    if (c->type != CH_PIPE && c->type != CH_FIFO)
        return 1;
    for (int k = 0; k < c->nholders + c->nopeners; k++) {
        const struct holder *h = k < c->nholders ? &c->holders[k] : &c->openers[k - c->nholders];
        lua_newtable(L);
        push_proc(L, h->proc);
        lua_setfield(L, -2, "process");
        if (h->fd >= 0) {
            lua_pushinteger(L, h->fd);
            lua_setfield(L, -2, "fd");
        } else {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "opening");
        }
        lua_pushstring(L, acc[h->acc >= 0 && h->acc <= 2 ? h->acc : 2]);
        lua_setfield(L, -2, "access");
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

static const char *const vtypes[] = { "u8", "u16", "u32", "u64", "i32", "i64", NULL };
static const size_t vsizes[] = { 1, 2, 4, 8, 4, 8 };

int decode_value(const struct chan *c, enum vtype t, size_t off, long long *out)
{
    unsigned long long u = 0;
    if (off + vsizes[t] > c->nbytes)
        return -1;
    for (size_t k = vsizes[t]; k-- > 0;)
        u = u << 8 | c->bytes[off + k];    /* little-endian */
    *out = t == V_I32 ? (long long)(int)(unsigned)u : (long long)u;
    return 0;
}

static int c_read(lua_State *L)
{
    int t = luaL_checkoption(L, 2, NULL, vtypes);
    lua_Integer off = luaL_checkinteger(L, 3);
    struct chan *c = chan_now(L);
    long long v;
    luaL_argcheck(L, off >= 0 && off <= (lua_Integer)(sizeof c->bytes - vsizes[t]), 3,
                  "a value within the first 256 bytes (ipclab reads no more)");
    if (decode_value(c, (enum vtype)t, (size_t)off, &v) == -1)
        lua_pushnil(L);
    else
        lua_pushinteger(L, v);
    return 1;
}

static int c_bytes(lua_State *L)
{
    lua_Integer off = luaL_checkinteger(L, 2), n = luaL_checkinteger(L, 3);
    luaL_argcheck(L, off >= 0 && off < 256, 2, "offset must be 0 to 255 (ipclab reads the first 256 bytes)");
    luaL_argcheck(L, n >= 0 && n <= 256 - off, 3, "a count of bytes within the first 256");
    struct chan *c = chan_now(L);
    if ((size_t)(off + n) > c->nbytes)
        lua_pushnil(L);
    else
        lua_pushlstring(L, (const char *)c->bytes + off, (size_t)n);
    return 1;
}

static int c_close(lua_State *L)
{
    struct chan *c = &R.chans[check_chan(L, 1)];
    for (int e = 0; e < 2; e++)
        if (c->end[e] >= 0) {
            close(c->end[e]);
            c->end[e] = -1;
        }
    return 0;
}

/* watch(chan [, { {name, offset, type}, ... }]) */
static int l_watch(lua_State *L)
{
    struct chan *c = &R.chans[check_chan(L, 1)];
    struct field view[8];
    int n = 0;
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2) && c->type != CH_SHM)
        return luaL_error(L, "watch: a view of fields is for shared memory (shm()); %s has none",
                          c->label);
    for (int k = 1; lua_istable(L, 2) && lua_rawgeti(L, 2, k) != LUA_TNIL; k++, n++) {
        int t = -1;
        if (k > 8 || !lua_istable(L, -1))
            return luaL_error(L, "watch: the view is at most 8 fields, each { name, offset, type }");
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        lua_rawgeti(L, -3, 3);
        for (int j = 0; vtypes[j] && lua_type(L, -1) == LUA_TSTRING; j++)
            if (strcmp(vtypes[j], lua_tostring(L, -1)) == 0)
                t = j;
        if (lua_type(L, -3) != LUA_TSTRING || !lua_isinteger(L, -2) || t < 0)
            return luaL_error(L, "watch: field %d must be { name, offset, type }, type one of "
                              "u8 u16 u32 u64 i32 i64", k);
        lua_Integer off = lua_tointeger(L, -2);
        if (off < 0 || off > (lua_Integer)(sizeof c->bytes - vsizes[t]))
            return luaL_error(L, "watch: field %d lies outside the first 256 bytes", k);
        scopy(view[n].name, sizeof view[n].name, lua_tostring(L, -3));
        view[n].off = (size_t)off;
        view[n].type = (enum vtype)t;
        lua_pop(L, 4);
    }
    lua_pop(L, 1);
    memcpy(c->view, view, sizeof view);     /* all checked: now it changes */
    c->nview = n;
    c->watched = 1;
    return 0;
}

void api_objects_register(lua_State *L)
{
    static const luaL_Reg proc_m[] = {
        { "state", p_state }, { "blocked_in", p_blocked_in }, { "exited", p_exited },
        { "status", p_status }, { "output", p_output }, { "write", p_write },
        { "close_stdin", p_close_stdin }, { "signal", p_signal }, { "stop", p_stop },
        { "cont", p_cont }, { "kill", p_kill }, { "events", p_events },
        { "children", p_children }, { "cpu", p_cpu }, { "signals", p_signals },
        { "pending", p_pending }, { "sockets", p_sockets }, { NULL, NULL } };
    static const luaL_Reg chan_m[] = {
        { "level", c_level }, { "capacity", c_capacity }, { "value", c_value },
        { "read", c_read }, { "bytes", c_bytes }, { "close", c_close },
        { "holders", c_holders }, { NULL, NULL } };

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "ipclab.handles");
    for (int k = 0; k < 3; k++) {
        luaL_newmetatable(L, meta[k]);
        if (k != H_END) {
            lua_newtable(L);
            luaL_setfuncs(L, k == H_PROC ? proc_m : chan_m, 0);
            if (k == H_PROC)
                api_unix_methods(L);        /* p:fds() (api_unix.c) */
            else
                api_queue_methods(L);       /* q:qsize(), q:notify() (api_queues.c) */
            lua_pushcclosure(L, k == H_PROC ? proc_index_mm : chan_index_mm, 1);
            lua_setfield(L, -2, "__index");
        }
        lua_pushcfunction(L, tostring_mm);
        lua_setfield(L, -2, "__tostring");
        lua_pushstring(L, meta[k]);         /* getmetatable() cannot change it */
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, l_watch);
    lua_setfield(L, -2, "watch");
}
