/* api_unix.c - Unix sockets and descriptors as a scenario sees them
 * (docs/scenario-api.md): unix(name), rundir(), p:sockets("unix"),
 * p:fds(), and proc:state().socket on a Unix socket. Read from the kernel
 * at the call (unixsocks.c, fds.c), and told in the transcript before any
 * check on it. */
#include "ipclab.h"
#include "api.h"
#include "unixsocks.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void set_int(lua_State *L, const char *k, unsigned long v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* process = its first holder in the run, fd = its descriptor there. */
static void set_holder(lua_State *L, unsigned long ino)
{
    int all;
    const struct fdent *t = fds_table(&all);
    for (int k = 0; k < all && ino; k++)
        if (t[k].sock == ino) {
            push_proc(L, t[k].proc);
            lua_setfield(L, -2, "process");
            set_int(L, "fd", (unsigned long)t[k].fd);
            return;
        }
}

/* The name of what s is connected to: its peer's, or, while its
 * connection waits in a listener's queue, the listener's (the kernel
 * lists no socket for a connection not accepted yet). */
static size_t peer_name(const struct unixsock *s, char *buf, size_t len)
{
    int q = unix_queued_at(s->ino);
    const struct unixsock *p = q >= 0 ? unix_at_dump(q) : s->has_peer ? unix_known(s->peer) : NULL;
    buf[0] = '\0';
    return p ? unix_name_text(p->name, p->namelen, buf, len) : 0;
}

/* { family = "Unix", type = "stream", state = "LISTEN", name =
 * "/run/x/srv.sock", ino = 81234, rq = 1, backlog = 16, waiting = { {
 * ino =, process =, fd = } } } or, not listening, sq, peer = { ino =,
 * name =, process =, fd = } and (stream, seqpacket) accepted. */
static void push_unix(lua_State *L, const struct unixsock *s)
{
    char name[UNIX_NAME_MAX + 8];
    lua_newtable(L);
    set_str(L, "family", "Unix");
    set_str(L, "type", unix_type_name(s->type));
    set_str(L, "state", unix_state_name(s));
    if (unix_name_text(s->name, s->namelen, name, sizeof name) > 0)
        set_str(L, "name", name);
    set_int(L, "ino", s->ino);
    if (s->has_rq) {
        set_int(L, "rq", s->rq);
        set_int(L, s->state == 10 ? "backlog" : "sq", s->wq);
    }
    if (s->state == 10) {
        lua_newtable(L);
        for (int k = 0; k < s->nicons && k < UNIX_ICONS_KEEP; k++) {
            lua_newtable(L);
            set_int(L, "ino", s->icons[k]);
            set_holder(L, s->icons[k]);
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "waiting");
    } else if (s->has_peer) {
        lua_newtable(L);
        set_int(L, "ino", s->peer);
        if (peer_name(s, name, sizeof name) > 0)
            set_str(L, "name", name);
        set_holder(L, s->peer);
        lua_setfield(L, -2, "peer");
        if (s->type != SOCK_DGRAM) {
            lua_pushboolean(L, !unix_waiting(s));
            lua_setfield(L, -2, "accepted");
        }
    }
}

/* unix(name): the run's Unix sockets named name (a path as bound, or
 * "@name" for an abstract one: a listener, its accepted sockets, a bound
 * datagram socket) and those connected to one (their peer is named so:
 * a client, accepted or not yet), in the order they appeared. */
static int l_unix(lua_State *L)
{
    size_t len;
    const char *want = luaL_checklstring(L, 1, &len);
    int n = 0, own[4], fd[4], nown;
    luaL_argcheck(L, len >= 1 && len <= UNIX_NAME_MAX && strlen(want) == len, 1,
                  "a socket's name: a path, or @name for an abstract one (1 to 108 bytes)");
    unix_sample(0);
    lua_newtable(L);
    for (int k = 0; k < unix_count(); k++) {
        const struct unixsock *s = unix_at(k, own, fd, 4, &nown);
        char mine[UNIX_NAME_MAX + 8], theirs[UNIX_NAME_MAX + 8] = "";
        if (s == NULL)
            continue;
        unix_name_text(s->name, s->namelen, mine, sizeof mine);
        if (s->state != 10)
            peer_name(s, theirs, sizeof theirs);
        if (strcmp(mine, want) != 0 && strcmp(theirs, want) != 0)
            continue;
        push_unix(L, s);
        set_holders(L, own, fd, nown);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* p:sockets("unix"): the Unix sockets it holds, one entry a descriptor. */
int p_unix_sockets(lua_State *L, int i)
{
    int n = 0, own[4], fd[4], nown;
    unix_sample(0);
    lua_newtable(L);
    for (int k = 0; k < unix_count(); k++) {
        const struct unixsock *s = unix_at(k, own, fd, 4, &nown);
        for (int j = 0; s && j < nown; j++)
            if (own[j] == i) {
                push_unix(L, s);
                set_int(L, "fd", (unsigned long)fd[j]);
                lua_rawseti(L, -2, ++n);
            }
    }
    return 1;
}

void unix_fresh(const struct proc *p)
{
    if (!p->exited && !strncmp(p->object, "socket:[", 8))
        unix_sample(0);
}

/* proc:state()'s socket when its call is on a Unix socket; 0: none. */
int unix_state_field(lua_State *L, const struct proc *p)
{
    int at, others, own[1], fd[1], nown;
    unix_sample(0);
    int k = unix_of_call(p, &at, &others);
    const struct unixsock *s = k >= 0 ? unix_at(k, own, fd, 1, &nown) : NULL;
    if (s == NULL)
        return 0;
    push_unix(L, s);
    set_int(L, "fd", (unsigned long)at);
    return 1;
}

static int by_fd(const void *a, const void *b)
{
    return (*(const struct fdent *const *)a)->fd - (*(const struct fdent *const *)b)->fd;
}

/* p:fds(): its descriptors now, by number: { fd = 5, target =
 * "/run/x/data.txt", same_as = { { process = sender, fd = 4 } } }:
 * target is what /proc/PID/fd/N reads (pipe:[N], socket:[N], a path),
 * same_as the descriptors of other followed processes that are the same
 * open file (kcmp KCMP_FILE). Empty once it has exited. */
static int p_fds(lua_State *L)
{
    int i = check_proc(L, 1), all, n = 0, who[8], whofd[8];
    const struct fdent *mine[256];
    fds_read();
    const struct fdent *t = fds_table(&all);
    for (int k = 0; k < all && n < 256; k++)
        if (t[k].proc == i)
            mine[n++] = &t[k];
    qsort(mine, (size_t)n, sizeof *mine, by_fd);
    lua_newtable(L);
    for (int k = 0; k < n; k++) {
        lua_newtable(L);
        set_int(L, "fd", (unsigned long)mine[k]->fd);
        set_str(L, "target", mine[k]->target);
        int m = fds_same(i, mine[k]->fd, mine[k]->target, who, whofd, 8);
        lua_newtable(L);
        for (int j = 0; j < m; j++) {
            lua_newtable(L);
            push_proc(L, who[j]);
            lua_setfield(L, -2, "process");
            set_int(L, "fd", (unsigned long)whofd[j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_setfield(L, -2, "same_as");
        lua_rawseti(L, -2, k + 1);
    }
    return 1;
}

/* rundir(): the run's private directory (0700, removed at the end with
 * all it holds): where a scenario names a socket's path. */
static int l_rundir(lua_State *L)
{
    lua_pushstring(L, R.dir);
    return 1;
}

/* Into the table on the top of the stack (the scenario's environment). */
void api_unix_register(lua_State *L)
{
    static const luaL_Reg fns[] = { { "unix", l_unix }, { "rundir", l_rundir }, { NULL, NULL } };
    luaL_setfuncs(L, fns, 0);
}

/* The process methods this file adds, into the methods table on the top
 * of the stack. */
void api_unix_methods(lua_State *L)
{
    lua_pushcfunction(L, p_fds);
    lua_setfield(L, -2, "fds");
}
