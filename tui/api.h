/* api.h - what api.c and api_objects.c share: processes, channels and
 * channel ends are full userdata (api_objects.c), checked by metatable and
 * run on every use; a wrong or stale one is a file:line error. */
#ifndef IPCLAB_API_H
#define IPCLAB_API_H

#include <lua.h>

void push_proc(lua_State *L, int i);
int check_proc(lua_State *L, int arg);
void push_chan(lua_State *L, int i);
int check_chan(lua_State *L, int arg);
/* A channel end: returns the channel index, *end = 0 or 1. */
int check_end(lua_State *L, int arg, int *end);
int field_end(lua_State *L, int idx, const char *field, int *end);
void api_objects_register(lua_State *L);
void api_programs_register(lua_State *L);    /* C, Python, Yours */
/* api_sockets.c: p:sockets(), tcp(port), proc:state().socket. */
struct proc;
int p_sockets(lua_State *L);
int l_tcp(lua_State *L);
int socket_state_field(lua_State *L, const struct proc *p);   /* 1: a table pushed */
/* The holders of a socket (TCP or Unix) into the table on top: process and
 * fd (the first holder's; absent for none), and holders = { { process =,
 * fd = }, ... }. own and fd: nown process indexes and descriptors. */
void set_holders(lua_State *L, const int *own, const int *fd, int nown);
/* api_unix.c: unix(name), rundir(), p:sockets("unix"), p:fds(). */
void api_unix_register(lua_State *L);      /* into the environment table */
void api_unix_methods(lua_State *L);       /* into the process methods table */
int p_unix_sockets(lua_State *L, int i);
int unix_state_field(lua_State *L, const struct proc *p);     /* 1: a table pushed */
void unix_fresh(const struct proc *p);     /* its call on a socket: the Unix sockets read now */
/* The channel at argument 1, sampled now and noted in the transcript. */
struct chan *chan_now(lua_State *L);
/* api_queues.c: q:qsize(), q:notify(), into the channel methods table. */
void api_queue_methods(lua_State *L);

#endif
