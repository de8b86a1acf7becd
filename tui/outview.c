/* outview.c - one process's captured output whole (key o): its pane shows
 * only the end of its last line. The output kept (the newest OUT_KEEP
 * bytes), split at newlines, wrapped at spaces to the screen's width,
 * newest at the bottom; Up/Down and PgUp/PgDn/Home/End scroll, any other
 * key closes it. Bytes a terminal cannot show are drawn as '?'. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"

#include <stdio.h>
#include <string.h>

static int shown = -1;          /* the process's slot; -1: closed */
static int back;                /* rows scrolled up from the newest */

/* The output as lines, each cleaned; rows[] their wrapped pieces. */
static char text[OUT_KEEP + 1];
static struct { int off, len; } rows[OUT_KEEP + 1];

void outview_open(int slot)
{
    shown = slot;
    back = 0;
}

int outview_is_open(void)
{
    return shown >= 0;
}

/* Wrap p's output to w cells into rows[]; returns how many. */
static int wrap_output(const struct proc *p, int w)
{
    int n = 0;
    memcpy(text, p->out, p->out_len);
    text[p->out_len] = '\0';
    for (size_t k = 0; k < p->out_len; k++)
        if (text[k] == '\0')
            text[k] = '\1';                 /* a NUL it printed: seen as '?' */
    if (p->out_len > 0 && text[p->out_len - 1] == '\n')
        text[p->out_len - 1] = '\0';        /* no empty row after the last line */
    for (char *line = text; line; ) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t end = strlen(line);
        if (end > 0 && line[end - 1] == '\r')
            line[end - 1] = '\0';
        clean_text(line, 0);                /* shorter or the same: in place */
        const char *s = line;
        do {
            size_t skip, k = wrap_cells(s, w, &skip);
            rows[n].off = (int)(s - text);
            rows[n++].len = (int)k;
            s += k + skip;
        } while (*s);
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

/* Scroll keys move it; any other key closes it. */
void outview_key(int ch)
{
    int page = LINES - 3 > 1 ? LINES - 3 : 1;
    switch (ch) {
    case KEY_UP: back++; break;
    case KEY_DOWN: back--; break;
    case KEY_PPAGE: back += page; break;
    case KEY_NPAGE: back -= page; break;
    case KEY_HOME: back = OUT_KEEP; break;
    case KEY_END: back = 0; break;
    case KEY_RESIZE: break;
    default: shown = -1; break;
    }
    if (back < 0)
        back = 0;
}

/* The whole screen: a title, the rows that fit, the keys. */
void outview_draw(void)
{
    const struct proc *p = &R.procs[shown];
    char title[200], keys[160];
    int h = LINES - 2, n = wrap_output(p, COLS - 2);

    if (back > n - h)
        back = n - h > 0 ? n - h : 0;
    int first = n - h - back > 0 ? n - h - back : 0;
    snprintf(title, sizeof title, " output of %s (pid %ld%s%s): %d %s%s ", p->name,
             (long)p->pid, p->exited ? ", " : "", p->exited ? p->status : "", n,
             n == 1 ? "row" : "rows", p->out_dropped ? ", the newest 16 KiB" : "");
    put(0, 0, COLS, look(C_TITLE, A_REVERSE) | A_BOLD, title);
    for (int k = 0; k < h; k++) {
        char row[OUT_KEEP + 1];
        int r = first + k;
        row[0] = '\0';
        if (r < n)
            snprintf(row, sizeof row, "%.*s", rows[r].len, text + rows[r].off);
        put(1 + k, 1, COLS - 1, A_NORMAL, row);
    }
    snprintf(keys, sizeof keys, " Up/Dn PgUp/PgDn Home/End scroll  any other key: back%s",
             back > 0 ? "  (scrolled: End for the newest)" : "");
    put(LINES - 1, 0, COLS, look(C_KEY, A_REVERSE), keys);
}
