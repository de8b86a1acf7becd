/* story.c - what the scenario has said and checked, kept for the screen:
 * each say(), each expect() with ok or FAILED, the error, the end. The
 * narration area shows the latest entries and scrolls back by entry, so
 * nothing said is lost while the run lasts (the oldest of more than
 * STORY_MAX entries go; the transcript keeps every one).
 *
 * Lines wrap at spaces, measured in display cells (mbrtowc, wcwidth(3)):
 * a CJK character takes two cells and is never split; a word longer than
 * the line is cut between characters. */
#include <curses.h>     /* before ipclab.h: its drawing prototypes */

#include "ipclab.h"
#include "ui.h"

#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define STORY_MAX 512
#define STORY_TEXT 256

static struct { enum story_kind kind; char text[STORY_TEXT]; } book[STORY_MAX];
static unsigned long added;         /* entries ever; book index = n % STORY_MAX */
static long view_end = -1;          /* the last entry shown; -1: the newest */
static unsigned long step_from;     /* the first entry since the last pause */

void story_clear(void)
{
    added = 0;
    view_end = -1;
    step_from = 0;
}

void story_step(void)
{
    step_from = added;
}

void story_add(enum story_kind kind, const char *text)
{
    book[added % STORY_MAX].kind = kind;
    scopy(book[added % STORY_MAX].text, STORY_TEXT, text);
    clean_text(book[added % STORY_MAX].text, 0);    /* what the terminal must not obey */
    added++;
}

/* The tally, when the scenario has run to its end. */
void story_end(void)
{
    char t[160];
    /* An exercise's own scenario plays the learner's file in one case;
     * passing it is not passing the exercise. */
    if (R.yours[0]) {
        snprintf(t, sizeof t, "One case only: scripts/grade %s -v checks them all.", R.yours);
        story_add(ST_SAY, t);
        tlog("say %s", t);
    }
    if (R.expects == 0)
        snprintf(t, sizeof t, "The end: this scenario has no checks.");
    else
        snprintf(t, sizeof t, "The end: %d of %d check%s passed, %d failed.",
                 R.expects - R.failed, R.expects, R.expects == 1 ? "" : "s", R.failed);
    story_add(ST_END, t);
}

static unsigned long oldest(void)
{
    return added > STORY_MAX ? added - STORY_MAX : 0;
}

/* Scroll by entries: dir -1 older, +1 newer. Reaching the newest follows
 * new entries again; while scrolled back, new ones do not move the view. */
void story_scroll(int dir)
{
    if (added == 0)
        return;
    long end = view_end < 0 ? (long)added - 1 : view_end;
    end += dir;
    if (end < (long)oldest())
        end = (long)oldest();
    view_end = end >= (long)added - 1 ? -1 : end;
}

int story_scrolled(void)
{
    return view_end >= 0 ? (int)((long)added - 1 - view_end) : 0;
}

/* The character at s (left bytes): its length in bytes and its width in
 * cells. A stray byte is one byte, one cell (drawn as '?'). */
static size_t next_char(const char *s, size_t left, mbstate_t *st, wchar_t *wc, int *cw)
{
    size_t n = mbrtowc(wc, s, left, st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        n = 1;
        *wc = L'?';
        memset(st, 0, sizeof *st);
    }
    *cw = wcwidth(*wc) < 0 ? 1 : wcwidth(*wc);
    return n;
}

/* The bytes of s that fill at most w display cells, whole characters
 * (wcwidth(3)); *used gets the cells they take. */
size_t fit_cells(const char *s, int w, int *used)
{
    mbstate_t st;
    size_t at = 0, len = strlen(s);
    int cells = 0, cw;
    wchar_t wc;

    memset(&st, 0, sizeof st);
    while (at < len) {
        size_t n = next_char(s + at, len - at, &st, &wc, &cw);
        if (cells + cw > w)
            break;
        cells += cw;
        at += n;
    }
    *used = cells;
    return at;
}

/* How many bytes of s fit in w display cells, breaking at the last space
 * when the rest does not fit (*skip: bytes to skip after, the spaces). A
 * non-printable character counts one cell (it is drawn as '?'). */
size_t wrap_cells(const char *s, int w, size_t *skip)
{
    mbstate_t st;
    size_t at = 0, space = 0, len = strlen(s);
    int cells = 0;

    memset(&st, 0, sizeof st);
    *skip = 0;
    while (at < len) {
        wchar_t wc;
        int cw;
        size_t n = next_char(s + at, len - at, &st, &wc, &cw);
        if (cells + cw > w)
            break;
        if (wc == L' ')
            space = at;
        cells += cw;
        at += n;
    }
    if (at < len && space > 0 && s[at] != ' ')
        at = space;                         /* break at the last space */
    while (s[at + *skip] == ' ')
        (*skip)++;
    return at > 0 ? at : (len > 0 ? 1 : 0);
}

/* n bytes of s at the cursor, a character the terminal cannot show (a
 * control character, an escape, a stray byte) as '?': a scenario's text is
 * shown, never obeyed. */
static void put_text(const char *s, size_t n)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (size_t at = 0; at < n;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + at, n - at, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0 || !iswprint((wint_t)wc)) {
            addch('?');
            at += k == (size_t)-1 || k == (size_t)-2 || k == 0 ? 1 : k;
            memset(&st, 0, sizeof st);
        } else {
            addnwstr(&wc, 1);
            at += k;
        }
    }
}

/* The lines an entry takes at width w. */
static int entry_lines(const char *text, int w)
{
    int n = 0;
    size_t skip;
    do {
        text += wrap_cells(text, w, &skip) + skip;
        n++;
    } while (*text);
    return n;
}

/* Display lines the entry at the view's end takes at width cols (the
 * narration area grows to show it whole, within what the screen has). */
/* The lines the entries of the current step take (said and checked since
 * the last pause, the pause's own prompt included), or the entry in view
 * when scrolled back: what the narration area should hold whole. */
int story_last_lines(int cols)
{
    if (added == 0)
        return 0;
    if (view_end >= 0)
        return entry_lines(book[view_end % STORY_MAX].text, cols - 8);
    unsigned long from = step_from > oldest() ? step_from : oldest();
    int n = 0;
    for (unsigned long k = from < added ? from : added - 1; k < added; k++)
        n += entry_lines(book[k % STORY_MAX].text, cols - 8);
    return n;
}

static const char *mark(enum story_kind k)
{
    return k == ST_OK ? "ok " : k == ST_FAILED ? "FAILED " : k == ST_ERROR ? "! " :
           k == ST_END ? "= " : "> ";
}

/* Draw the entries ending at the view on h lines from row y, each with its
 * mark (a word: NO_COLOR keeps the meaning); look(kind) gives attributes.
 * Scrolled back, the rule above (row y - 1) says how many are newer. */
void story_draw(int y, int h, int cols, attr_t (*look)(enum story_kind))
{
    for (int k = 0; k < h; k++) {
        move(y + k, 0);
        clrtoeol();
    }
    if (added == 0)
        return;
    long last = view_end < 0 ? (long)added - 1 : view_end;
    long first = last;
    int used = 0;
    int w = cols - 8;                       /* room after the widest mark */
    /* Back from the last entry while whole entries fit; the newest always
     * shows, its start first when even it does not fit. */
    while (first >= (long)oldest()) {
        int n = entry_lines(book[first % STORY_MAX].text, w);
        if (used > 0 && used + n > h)
            break;
        used += n;
        first--;
    }
    int row = y + (used < h ? h - used : 0);
    if (row > y && first >= (long)oldest()) {
        /* Rows left above: the end of the entry before, marked as cut. */
        const char *t = book[first % STORY_MAX].text;
        size_t skip;
        int n = entry_lines(t, w), drop = n - (row - y);
        for (int k = 0; k < drop; k++)
            t += wrap_cells(t, w, &skip) + skip;
        attr_t a = look(book[first % STORY_MAX].kind) | A_DIM;
        attron(a);
        mvprintw(y, 4, "...");
        for (int r = y; *t && r < row; r++) {
            size_t m = wrap_cells(t, w, &skip);
            move(r, 8);
            put_text(t, m);
            t += m + skip;
        }
        attroff(a);
    }
    for (long e = first + 1; e <= last && row < y + h; e++) {
        const char *t = book[e % STORY_MAX].text;
        enum story_kind kind = book[e % STORY_MAX].kind;
        attr_t a = look(kind);
        size_t skip;
        attron(a);
        mvprintw(row, 8 - (int)strlen(mark(kind)), "%s", mark(kind));
        do {
            size_t n = wrap_cells(t, w, &skip);
            move(row++, 8);
            put_text(t, n);
            t += n + skip;
        } while (*t && row < y + h);
        attroff(a);
    }
    if (view_end >= 0) {
        char more[48];
        int n = story_newer_mark(more, sizeof more);
        mvprintw(y - 1, cols - 2 - n, "%s", more);   /* on the rule above */
    }
}

/* Scrolled back: " N newer: Down" in buf, its length; 0 when following. */
int story_newer_mark(char *buf, size_t len)
{
    buf[0] = '\0';
    return view_end >= 0 ? snprintf(buf, len, " %d newer: Down ", story_scrolled()) : 0;
}
