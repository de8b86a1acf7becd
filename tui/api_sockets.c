/* api_sockets.c - TCP sockets as a scenario sees them (docs/scenario-api.md):
 * p:sockets(), tcp(port), and proc:state().socket. Read from the kernel at
 * the call (sockets.c), and told in the transcript before any check on it. */
#include "ipclab.h"
#include "api.h"
#include "sockets.h"

#include <lauxlib.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

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

/* { state = "LISTEN", ["local"] = "127.0.0.1:41234", peer = "*", port =
 * 41234, peer_port = 0, family = "IPv4", rq = 2, backlog = 5 } or, not
 * listening, rq and sq (Recv-Q, Send-Q). */
static void push_socket(lua_State *L, const struct tcpsock *s)
{
    char buf[64];
    lua_newtable(L);
    set_str(L, "state", tcp_state_name(s->state));
    sock_endpoint(s, 0, buf, sizeof buf);
    set_str(L, "local", buf);
    sock_endpoint(s, 1, buf, sizeof buf);
    set_str(L, "peer", buf);
    set_int(L, "port", s->lport);
    set_int(L, "peer_port", s->rport);
    set_str(L, "family", s->family == AF_INET6 ? "IPv6" : "IPv4");
    set_int(L, "rq", s->rq);
    if (s->state == 10)
        set_int(L, "backlog", s->wq);
    else
        set_int(L, "sq", s->wq);
}

/* p:sockets(): the TCP sockets it holds, one entry a descriptor, in the
 * order they appeared: each as push_socket, with fd. p:sockets("unix"):
 * its Unix sockets (api_unix.c). */
int p_sockets(lua_State *L)
{
    static const char *const families[] = { "tcp", "unix", NULL };
    int i = check_proc(L, 1), n = 0, own[4], fd[4], nown;
    if (luaL_checkoption(L, 2, "tcp", families) == 1)
        return p_unix_sockets(L, i);
    sockets_sample(0);
    lua_newtable(L);
    for (int k = 0; k < sockets_count(); k++) {
        const struct tcpsock *s = socket_at(k, own, fd, 4, &nown);
        for (int j = 0; s && j < nown; j++)
            if (own[j] == i) {
                push_socket(L, s);
                set_int(L, "fd", (unsigned long)fd[j]);
                lua_rawseti(L, -2, ++n);
            }
    }
    return 1;
}

/* A socket's holders, into the table on top (api.h). */
void set_holders(lua_State *L, const int *own, const int *fd, int nown)
{
    lua_newtable(L);
    for (int j = 0; j < nown; j++) {
        lua_newtable(L);
        push_proc(L, own[j]);
        lua_setfield(L, -2, "process");
        set_int(L, "fd", (unsigned long)fd[j]);
        lua_rawseti(L, -2, j + 1);
    }
    lua_setfield(L, -2, "holders");
    if (nown > 0) {
        push_proc(L, own[0]);
        lua_setfield(L, -2, "process");
        set_int(L, "fd", (unsigned long)fd[0]);
    }
}

/* tcp(port): the run's sockets with that local or peer port, those no
 * process holds (TIME-WAIT, in an accept queue) too: each as push_socket,
 * with process and fd (its first holder; nil for none) and holders, a list
 * of { process =, fd = }. */
int l_tcp(lua_State *L)
{
    lua_Integer port = luaL_checkinteger(L, 1);
    int n = 0, own[4], fd[4], nown;
    luaL_argcheck(L, port >= 1 && port <= 65535, 1, "a TCP port is 1 to 65535");
    sockets_sample(0);
    lua_newtable(L);
    for (int k = 0; k < sockets_count(); k++) {
        const struct tcpsock *s = socket_at(k, own, fd, 4, &nown);
        if (s == NULL || (s->lport != port && s->rport != port))
            continue;
        push_socket(L, s);
        set_holders(L, own, fd, nown);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* proc:state()'s socket: the TCP socket its call is on, as push_socket,
 * or the Unix one (api_unix.c); 0 (nothing pushed) when its call is on
 * none. */
int socket_state_field(lua_State *L, const struct proc *p)
{
    int own[4], fd[4], nown, at, others;
    if (p->exited || (strncmp(p->object, "socket:[", 8) != 0 && strcmp(p->call, "poll") != 0 &&
                      strcmp(p->call, "ppoll") != 0))
        return 0;                           /* on no socket: nothing to ask the kernel */
    sockets_sample(0);
    int k = socket_of_call(p, &at, &others);
    const struct tcpsock *s = k >= 0 ? socket_at(k, own, fd, 4, &nown) : NULL;
    if (s == NULL)
        return unix_state_field(L, p);     /* a Unix one, or none */
    push_socket(L, s);
    set_int(L, "fd", (unsigned long)at);
    return 1;
}
