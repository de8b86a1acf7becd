/* unixview.c - the run's Unix sockets on screen (unixsocks.c samples and
 * tells them): a row each under the TCP rows, in the order they appeared,
 * columns aligned with TCP's, and a pane's third line when its process
 * sleeps in a call on one.
 *
 *  Unix      socket                state       Recv-Q  Send-Q   held by
 *  stream    srv.sock              LISTEN            1 of 16      server fd 3
 *  stream    -> srv.sock           not accepted      0       0    client 2 fd 3
 *  stream    -> server fd 4        connected         0       0    client fd 3
 *  dgram     rx.sock               unconnected      12       0    receiver fd 3
 *
 * A connected socket's name column is its peer, resolved by inode to who
 * holds it; a dgram's Recv-Q is its next datagram's size (what unix_diag
 * gives); Send-Q is memory, not bytes (docs/scenario-api.md). */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"
#include "unixsocks.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* A pane's third line for a call on a Unix socket, in w columns: the
 * longest form that fits ("   fd 3: Unix stream /run/x/srv.sock LISTEN,
 * 1 of 16 waiting" ... "   fd 3 Unix srv.sock LISTEN 1/16"). 0 when not
 * on one. */
int unix_pane_line(const struct proc *p, char *buf, size_t len, int w)
{
    int fd, others, nown, own[1], ofd[1];
    int k = unix_of_call(p, &fd, &others);
    const struct unixsock *s = k >= 0 ? unix_at(k, own, ofd, 1, &nown) : NULL;
    if (s == NULL)
        return 0;
    char full[UNIX_NAME_MAX + 8], name[120], state[24], c[3][200];
    const char *type = unix_type_name(s->type);
    if (unix_name_text(s->name, s->namelen, full, sizeof full) == 0)
        snprintf(full, sizeof full, "socket:[%lu]", s->ino);
    unix_row_words(k, name, sizeof name, state, sizeof state);
    if (s->state == 10) {
        snprintf(c[0], sizeof c[0], "   fd %d: Unix %s %s LISTEN, %lu of %lu waiting", fd, type,
                 full, s->rq, s->wq);
        snprintf(c[1], sizeof c[1], "   fd %d: Unix %s %s LISTEN, %lu of %lu waiting", fd, type,
                 name, s->rq, s->wq);
        snprintf(c[2], sizeof c[2], "   fd %d Unix %s LISTEN %lu/%lu", fd, name, s->rq, s->wq);
    } else if (s->type == SOCK_DGRAM) {
        snprintf(c[0], sizeof c[0], "   fd %d: Unix dgram %s, next datagram %lu bytes", fd,
                 s->has_peer ? name : full, s->rq);
        snprintf(c[1], sizeof c[1], "   fd %d: Unix dgram %s, next %lu bytes", fd, name, s->rq);
        snprintf(c[2], sizeof c[2], "   fd %d Unix dgram next %lu", fd, s->rq);
    } else {
        snprintf(c[0], sizeof c[0], "   fd %d: Unix %s %s %s, Recv-Q %lu", fd, type, name,
                 state, s->rq);
        snprintf(c[1], sizeof c[1], "   fd %d: Unix %s %s, Recv-Q %lu", fd, type, name, s->rq);
        snprintf(c[2], sizeof c[2], "   fd %d Unix %s Recv-Q %lu", fd, name, s->rq);
    }
    int pick = 0;
    while (pick < 2 && (int)strlen(c[pick]) > w)
        pick++;
    scopy(buf, len, c[pick]);
    return 1;
}

/* Shown: held by a process of the run (a socket no process holds any
 * more stays in the transcript's words until it goes). */
static int on_screen(int k)
{
    int own[1], fd[1], nown;
    return unix_at(k, own, fd, 1, &nown) != NULL;
}

int unix_rows(int avail)
{
    int want = 0;
    for (int k = 0; k < unix_count(); k++)
        want += on_screen(k);
    want = want ? want + 1 : 0;
    return want < avail ? want : avail >= 2 ? avail : 0;
}

int draw_unix(int y, int rows)
{
    char buf[256], who[128], name[120], state[24];
    int shown = 0, all = 0;
    if (rows < 2)
        return y;
    for (int k = 0; k < unix_count(); k++)
        all += on_screen(k);
    snprintf(buf, sizeof buf, " %-10s%-22s%-12s%7s %7s  %-8s", "Unix", "socket", "state",
             "Recv-Q", "Send-Q", "held by");
    /* Too many: the oldest connections give way (listeners and bound
     * receivers stay). */
    int skip = all > rows - 1 ? all - (rows - 1) : 0;
    if (skip)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " +%d older", skip);
    put(y++, 0, COLS, A_UNDERLINE, buf);
    for (int k = 0; k < unix_count() && shown < rows - 1; k++) {
        int own[4], fd[4], nown;
        const struct unixsock *s = unix_at(k, own, fd, 4, &nown);
        if (s == NULL)
            continue;
        int stays = s->state == 10 || (s->namelen > 0 && !s->has_peer);    /* servers */
        if (skip > 0 && !stays && skip--)
            continue;
        unix_row_words(k, name, sizeof name, state, sizeof state);
        put(y, 0, 11, A_NORMAL, " ");
        put(y, 1, 10, A_NORMAL, unix_type_name(s->type));
        put(y, 11, 21, A_NORMAL, name);         /* a space before the state, cut or not */
        put(y, 33, 12, s->state == 10 || !strcmp(state, "connected") ||
            !strcmp(state, "unconnected") ? A_NORMAL : A_BOLD, state);
        if (!s->has_rq)
            snprintf(buf, sizeof buf, "%7s %7s", "?", "?");
        else if (s->state == 10)            /* ss's Recv-Q and Send-Q of a listener */
            snprintf(buf, sizeof buf, "%7lu of %-5lu", s->rq, s->wq);
        else
            snprintf(buf, sizeof buf, "%7lu %7lu", s->rq, s->wq);
        put(y, 45, 17, A_NORMAL, buf);
        size_t n = 0;
        who[0] = '\0';
        for (int j = 0; j < nown && n < sizeof who; j++)
            n += (size_t)snprintf(who + n, sizeof who - n, "%s%s fd %d", j ? ", " : "",
                                  R.procs[own[j]].name, fd[j]);
        if (!nown)
            snprintf(who, sizeof who, "(no process)");
        put(y++, 62, COLS - 62, nown ? A_NORMAL : A_DIM, who);
        shown++;
    }
    return y;
}
